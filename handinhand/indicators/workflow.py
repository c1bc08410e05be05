"""The evaluation workflow in one table: who may move an evaluation from which states to which.

Every service of an evaluation asks `check(actor, evaluation, action)`; nothing else decides
who may do what, so the pages, the API and the tests see the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.accounts.models import User
from handinhand.core.exceptions import PermissionDeniedError, ServiceValidationError
from handinhand.core.scope import get_scope
from handinhand.indicators.models import Evaluation
from handinhand.indicators.models import EvaluationStatus as S
from handinhand.programme.models import DistrictSchool, Membership

Actor = Literal["school", "reviewer", "confirmer"]


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any
    actor: Actor
    sources: frozenset[str]
    target: str | None  # None: the state stays (a draft of the review, say)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "save_self",
            _lazy("保存自评草稿"),
            "school",
            frozenset({S.NOT_STARTED, S.DRAFT, S.RETURNED}),
            S.DRAFT,
        ),
        Transition(
            "submit",
            _lazy("提交自评"),
            "school",
            frozenset({S.NOT_STARTED, S.DRAFT, S.RETURNED}),
            S.SUBMITTED,
        ),
        Transition(
            "save_review", _lazy("保存审核草稿"), "reviewer", frozenset({S.SUBMITTED}), None
        ),
        Transition("return", _lazy("退回学校"), "reviewer", frozenset({S.SUBMITTED}), S.RETURNED),
        Transition("pass", _lazy("审核通过"), "reviewer", frozenset({S.SUBMITTED}), S.REVIEWED),
        Transition("confirm", _lazy("确认"), "confirmer", frozenset({S.REVIEWED}), S.CONFIRMED),
        Transition("reopen", _lazy("退回重审"), "confirmer", frozenset({S.REVIEWED}), S.SUBMITTED),
    )
}


def actor_roles(actor: User, evaluation: Evaluation) -> set[Actor]:
    """What the actor is to this evaluation's school: its school user, a reviewer (instructor of
    a district containing it), a confirmer (leader of such a district's group)."""
    roles: set[Actor] = set()
    if not getattr(actor, "is_authenticated", False):
        return roles
    school_id = evaluation.school_id
    scope = get_scope(actor)
    if scope.is_own_school(school_id):
        roles.add("school")
    if scope.group_ids:
        links = DistrictSchool.objects.filter(school_id=school_id)
        if links.filter(
            district__instructors__in=Membership.objects.current().filter(user=actor)
        ).exists():
            roles.add("reviewer")
        if (
            scope.led_group_ids
            and links.filter(district__group_id__in=scope.led_group_ids).exists()
        ):
            roles.add("confirmer")
    return roles


def allowed_actions(
    actor: User, evaluation: Evaluation, roles: set[Actor] | None = None
) -> list[Transition]:
    """The moves open to the actor now; `roles` when the caller already has them (one
    actor_roles per request)."""
    roles = actor_roles(actor, evaluation) if roles is None else roles
    return [t for t in TRANSITIONS.values() if t.actor in roles and evaluation.status in t.sources]


def check(
    actor: User, evaluation: Evaluation, action: str, roles: set[Actor] | None = None
) -> Transition:
    """The transition if this actor may take it now; PermissionDenied when they may never
    (pages answer 404), a validation error when the evaluation is in the wrong state.
    `roles`: the actor's roles to this evaluation, when the caller already has them."""
    transition = TRANSITIONS[action]
    roles = actor_roles(actor, evaluation) if roles is None else roles
    if transition.actor not in roles:
        raise PermissionDeniedError(_("您无权对该评估执行此操作"))
    if evaluation.status not in transition.sources:
        if evaluation.status == S.CONFIRMED:
            raise ServiceValidationError(_("评估已确认并锁定，不能再修改。"))
        raise ServiceValidationError(
            _("评估当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": evaluation.get_status_display(), "action": transition.label}
        )
    return transition
