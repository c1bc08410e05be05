"""Writes to indicator frameworks. Only the province admin edits them, and only drafts: a
published framework never changes (a new version is a copy)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.core import audit
from handinhand.core.exceptions import PermissionDeniedError, ServiceValidationError
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.core.scope import get_scope
from handinhand.core.services import create_object, delete_object, update_object
from handinhand.indicators.models import Framework, FrameworkStatus, Indicator
from handinhand.indicators.structure import Node, structure_errors

FRAMEWORK_FIELDS = ("name", "edition", "total_score", "description")
INDICATOR_FIELDS = (
    "code",
    "level",
    "parent",
    "title",
    "max_score",
    "guidance",
    "evidence",
    "order",
)


def can_edit_frameworks(actor: Any) -> bool:
    return get_scope(actor).everything


def _require_admin(actor: Any) -> None:
    if not can_edit_frameworks(actor):
        raise PermissionDeniedError(_("仅省委教育工委管理员可维护指标体系"))


def _require_draft(framework: Framework) -> None:
    if not framework.is_draft:
        raise ServiceValidationError(_("指标体系已发布，不能再修改；如需调整请复制为新版本。"))


def framework_create(
    *,
    actor: Any,
    name: str,
    edition: str,
    total_score: Decimal | None = None,
    description: str = "",
    is_sample: bool = False,
) -> Framework:
    _require_admin(actor)
    if total_score is None:
        total_score = Decimal(str(get_policy().indicators.total_score))
    return create_object(
        actor=actor,
        instance=Framework(
            name=name,
            edition=edition,
            total_score=total_score,
            description=description,
            is_sample=is_sample,
        ),
    )


def framework_update(
    *, actor: Any, framework: Framework, data: dict[str, Any], expected_version: int | None
) -> Framework:
    _require_admin(actor)
    _require_draft(framework)
    unknown = set(data) - set(FRAMEWORK_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    return update_object(
        actor=actor, instance=framework, data=data, expected_version=expected_version
    )


# --- indicators in a draft --------------------------------------------------------------------


def _check_indicator(framework: Framework, fields: dict[str, Any]) -> None:
    """The rules one indicator must follow on its own; the whole shape is framework_validate's."""
    errors: dict[str, list[str]] = {}
    level, parent = fields.get("level"), fields.get("parent")
    if parent is not None and parent.framework_id != framework.pk:
        errors.setdefault("parent", []).append(_("上级指标必须属于同一指标体系"))
    elif level == 1 and parent is not None:
        errors.setdefault("parent", []).append(_("一级指标不应有上级指标"))
    elif level in (2, 3) and parent is None:
        errors.setdefault("parent", []).append(_("二级、三级指标必须选择上级指标"))
    elif level in (2, 3) and parent is not None and parent.level != level - 1:
        errors.setdefault("parent", []).append(
            _("%(level)d级指标的上级应为%(want)d级指标") % {"level": level, "want": level - 1}
        )
    score = fields.get("max_score")
    if level == 3 and (score is None or score <= 0):
        errors.setdefault("max_score", []).append(_("三级指标须填写大于 0 的分值"))
    if level in (1, 2) and score is not None:
        errors.setdefault("max_score", []).append(_("仅三级指标设分值，请留空"))
    if errors:
        raise ServiceValidationError(errors)


def indicator_create(*, actor: Any, framework: Framework, **fields: Any) -> Indicator:
    _require_admin(actor)
    _require_draft(framework)
    fields = {k: v for k, v in fields.items() if k in INDICATOR_FIELDS}
    _check_indicator(framework, fields)
    if not fields.get("order"):
        last = framework.indicators.aggregate(m=Max("order"))["m"] or 0
        fields["order"] = last + 1
    return create_object(actor=actor, instance=Indicator(framework=framework, **fields))


def indicator_update(
    *, actor: Any, indicator: Indicator, data: dict[str, Any], expected_version: int | None
) -> Indicator:
    framework = indicator.framework
    _require_admin(actor)
    _require_draft(framework)
    unknown = set(data) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    merged = {name: getattr(indicator, name) for name in INDICATOR_FIELDS} | data
    _check_indicator(framework, merged)
    if merged["parent"] is not None and merged["parent"].pk == indicator.pk:
        raise ServiceValidationError({"parent": [_("上级指标不能是自身")]})
    if data.get("level", indicator.level) != indicator.level and indicator.children.exists():
        raise ServiceValidationError({"level": [_("该指标有下级指标，不能修改级别")]})
    return update_object(
        actor=actor, instance=indicator, data=data, expected_version=expected_version
    )


def indicator_delete(*, actor: Any, indicator: Indicator) -> None:
    _require_admin(actor)
    _require_draft(indicator.framework)
    if indicator.children.exists():
        raise ServiceValidationError(_("请先删除该指标的下级指标"))
    delete_object(actor=actor, instance=indicator)


# --- the framework as a whole -----------------------------------------------------------------


def framework_nodes(framework: Framework) -> list[Node]:
    rows = framework.indicators.order_by("order", "id").values_list(
        "code", "level", "parent__code", "title", "max_score", "guidance", "evidence"
    )
    return [
        Node(
            code=code,
            level=level,
            parent_code=parent or "",
            title=title,
            max_score=score,
            guidance=guidance,
            evidence=evidence,
        )
        for code, level, parent, title, score, guidance, evidence in rows
    ]


def framework_validate(framework: Framework, nodes: Sequence[Node] | None = None) -> list[str]:
    """Every structural error of the framework at once (empty when it may be published)."""
    return structure_errors(
        framework_nodes(framework) if nodes is None else nodes,
        level_counts=get_policy().indicators.level_counts,
        total_score=framework.total_score,
    )


def framework_publish(
    *, actor: Any, framework: Framework, expected_version: int | None
) -> Framework:
    _require_admin(actor)
    _require_draft(framework)
    errors = framework_validate(framework)
    if errors:
        raise ServiceValidationError(errors)
    return update_object(
        actor=actor,
        instance=framework,
        data={"status": FrameworkStatus.PUBLISHED, "published_at": timezone.now()},
        expected_version=expected_version,
    )


def write_nodes(framework: Framework, nodes: Sequence[Node]) -> list[Indicator]:
    """Insert a framework's indicators level by level, parents first: three statements."""
    ids: dict[str, int] = {}
    created: list[Indicator] = []
    order = {n.code: i for i, n in enumerate(nodes, start=1)}
    for level in (1, 2, 3):
        batch = [
            Indicator(
                framework=framework,
                code=n.code,
                level=n.level,
                parent_id=ids.get(n.parent_code),
                title=n.title,
                max_score=n.max_score,
                guidance=n.guidance,
                evidence=n.evidence,
                order=order[n.code],
            )
            for n in nodes
            if n.level == level
        ]
        batch = Indicator.objects.bulk_create(batch)
        # PostgreSQL and SQLite both return the new primary keys.
        ids.update({i.code: i.pk for i in batch})
        created.extend(batch)
    return created


def framework_replace_indicators(
    *, actor: Any, framework: Framework, nodes: Sequence[Node], source: str = ""
) -> int:
    """Put `nodes` (already validated) in place of a draft's indicators, e.g. from a file."""
    _require_admin(actor)
    with transaction.atomic():
        locked = Framework.objects.select_for_update().get(pk=framework.pk)
        _require_draft(locked)
        before = locked.indicators.count()
        # Children first: parents are protected while they have any.
        for level in (3, 2, 1):
            locked.indicators.filter(level=level).delete()
        created = write_nodes(locked, nodes)
        audit.record(
            actor=actor,
            action=AuditAction.IMPORT,
            instance=locked,
            changes={"indicators": [before, len(created)], "file": [None, source]},
        )
        audit.record_many(
            actor=actor,
            action=AuditAction.IMPORT,
            items=[(i, audit.diff({}, audit.snapshot(i))) for i in created],
        )
    return len(created)


def framework_copy(
    *, actor: Any, framework: Framework, edition: str, name: str | None = None
) -> Framework:
    """A new draft version with the same indicators (a published framework never changes)."""
    _require_admin(actor)
    with transaction.atomic():
        copy = Framework(
            name=name or framework.name,
            edition=edition,
            total_score=framework.total_score,
            description=framework.description,
            is_sample=framework.is_sample,
            copied_from=framework,
        )
        copy = create_object(actor=actor, instance=copy)
        nodes = framework_nodes(framework)
        write_nodes(copy, nodes)
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=copy,
            changes={"indicators": [None, len(nodes)], "copied_from": [None, str(framework)]},
        )
    return copy


def sample_framework_create(*, actor: Any = None) -> Framework:
    """The published SAMPLE framework (示例), created once; returned if it exists."""
    from handinhand.indicators.sample import SAMPLE_EDITION, SAMPLE_NAME, sample_nodes

    existing = Framework.objects.filter(name=SAMPLE_NAME, edition=SAMPLE_EDITION).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        framework = Framework.objects.create(
            name=SAMPLE_NAME,
            edition=SAMPLE_EDITION,
            total_score=Decimal(str(get_policy().indicators.total_score)),
            is_sample=True,
            description=_("示例指标体系，供演示与测试使用，非官方正式文本；正式体系请由管理员导入。"),
        )
        write_nodes(framework, sample_nodes())
        errors = framework_validate(framework)
        if errors:  # the policy's counts differ from the sample's: leave it as a draft
            framework.save()
        else:
            framework.status = FrameworkStatus.PUBLISHED
            framework.published_at = timezone.now()
            framework.save(update_fields=["status", "published_at"])
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=framework,
            changes={"indicators": [None, framework.indicators.count()]},
            actor_name="" if actor else "system",
        )
    return framework
