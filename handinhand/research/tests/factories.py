"""Shared set-ups of the research tests on the fixed cast: the 南昌大学 unit with its contact
(from the incentives factories), an outside expert from another unit, a call walked to any
step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from handinhand.accounts.models import User
from handinhand.conftest import make_user
from handinhand.incentives.tests.factories import ncu_unit
from handinhand.orgs.models import Unit, UnitKind
from handinhand.research import services
from handinhand.research.models import ResearchApplication, ResearchCall

CATALOGUE = "省委教育工委高校党建研究项目"
FULL_MARKS = {
    "选题意义": 18,
    "研究内容与方法": 27,
    "研究基础": 18,
    "预期成果": 18,
    "经费预算合理性": 9,
}


def expert(cast: Any, username: str = "expert", unit_name: str = "江西师范大学") -> User:
    """A reviewer from a unit of their own (not 南昌大学)."""
    found = User.objects.filter(username=username).first()
    if found:
        return found
    unit, _created = Unit.objects.get_or_create(name=unit_name, defaults={"kind": UnitKind.OTHER})
    user = make_user(username, f"{unit_name}专家")
    user.unit = unit
    user.save(update_fields=["unit"])
    return user


def a_call(cast: Any, *, places: int = 3, quota: int = 1) -> ResearchCall:
    ncu_unit(cast)
    return services.call_create(
        actor=cast.province_admin,
        catalogue=CATALOGUE,
        year=timezone.localdate().year,
        title="2025年度中小学校党建研究课题申报",
        topic_guide="中小学校党建研究：党组织领导的校长负责制",
        deadline=timezone.localdate() + dt.timedelta(days=10),
        places=places,
        separate_quota=quota,
    )


def apply(
    cast: Any, call: ResearchCall, who: User, *, team: list[User] | None = None, title: str = ""
) -> ResearchApplication:
    return services.application_create(
        actor=who,
        call=call,
        title=title or f"{who.full_name}的课题",
        direction="党组织领导的校长负责制",
        plan="调研萍乡市中小学校党组织运行情况。",
        budget=Decimal("20000.00"),
        team=team or [],
    )


def submitted(cast: Any, call: ResearchCall, who: User, **kw: Any) -> ResearchApplication:
    """Applied, submitted and recommended by the unit (or by the province without a unit)."""
    app = apply(cast, call, who, **kw)
    app = services.application_submit(actor=who, application=app)
    if app.status == "submitted":
        recommender = cast.unit_contact if app.unit_id else cast.province_admin
        app = services.application_recommend(actor=recommender, application=app, recommend=True)
    return app


def past_deadline(call: ResearchCall) -> ResearchCall:
    ResearchCall.objects.filter(pk=call.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    call.refresh_from_db()
    return call


def reviewed(cast: Any, app: ResearchApplication, scores: dict[str, Any] | None = None) -> None:
    review = services.review_assign(
        actor=cast.province_admin, application=app, reviewer=expert(cast)
    )
    services.review_submit(actor=expert(cast), review=review, scores=scores or FULL_MARKS)


def ranked_call(cast: Any) -> tuple[ResearchCall, ResearchApplication, ResearchApplication]:
    """Two applications — the instructor (a group member) and the outsider (not) — reviewed
    and ranked, one place and no quota, equal scores: the member wins by 优先立项."""
    call = a_call(cast, places=1, quota=0)
    mine = submitted(cast, call, cast.instructor)
    other = submitted(cast, call, cast.outsider)
    for app in (mine, other):
        reviewed(cast, app)
    call = past_deadline(call)
    call = services.call_rank(actor=cast.province_admin, call=call)
    mine.refresh_from_db()
    other.refresh_from_db()
    return call, mine, other
