"""通知公告: received and published notices, publishing to an audience, editing as a new
version, read receipts and reminders — the same scope (visible_to) and services as the pages.
Attachments are added on the pages (multipart); the API carries the text."""

import datetime as dt
from typing import Any

from ninja import Router, Schema, Status

from handinhand.api.auth import ApiRequest
from handinhand.api.listing import IdPath, paginated
from handinhand.api.schemas import ErrorOut, ValidationErrorOut
from handinhand.core.exceptions import PermissionDeniedError
from handinhand.core.views_helpers import access
from handinhand.notices import access as rules
from handinhand.notices import selectors, services
from handinhand.notices.audience import Audience
from handinhand.notices.models import Notice

router = Router(tags=["通知公告"])
WRITE_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class NoticeOut(Schema):
    id: int
    title: str
    kind: str
    pinned: bool
    deadline: dt.date | None
    publisher_region: str
    published_at: dt.datetime
    revision: int
    policy_version: str
    version: int

    @staticmethod
    def resolve_publisher_region(obj: Any) -> str:
        return str(obj.publisher_region_id)


class ReceivedOut(Schema):
    notice: NoticeOut
    read_at: dt.datetime | None
    read_revision: int | None
    reminded_at: dt.datetime | None
    updated: bool


class NoticeDetailOut(NoticeOut):
    body: str
    audience_label: str
    attachments: list[str]

    @staticmethod
    def resolve_attachments(obj: Any) -> list[str]:
        return [a.name for a in obj.attachments.all()]


class AudienceIn(Schema):
    levels: list[str] = []
    regions: list[str] = []
    roles: list[str] = []
    groups: list[int] = []
    schools: list[int] = []


class NoticeIn(Schema):
    title: str
    body: str
    audience: AudienceIn
    deadline: dt.date | None = None
    pinned: bool = False


class NoticeEdit(Schema):
    title: str
    body: str
    deadline: dt.date | None = None
    pinned: bool = False
    reason: str = ""
    version: int


class CountsOut(Schema):
    total: int
    read: int
    unread: int
    read_latest: int
    reminded: int


class UnreadOut(Schema):
    user_id: int
    full_name: str
    region: str | None
    reminded_at: dt.datetime | None

    @staticmethod
    def resolve_full_name(obj: Any) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_region(obj: Any) -> str | None:
        return None if obj.region_id is None else str(obj.region_id)


class ReminderOut(Schema):
    day: dt.date
    recipients: int
    created: bool


@router.get("/notices", response=list[ReceivedOut], summary="收到的通知（未读在前）")
@paginated
def received_list(request: ApiRequest) -> Any:
    return selectors.received(request.auth)


@router.get("/notices/published", response=list[NoticeOut], summary="本单位发布的通知")
@paginated
def published_list(request: ApiRequest) -> Any:
    return selectors.sent(request.auth)


@router.post(
    "/notices", response={201: NoticeDetailOut, **WRITE_ERRORS}, summary="发布通知（省、市、县）"
)
def notice_publish(request: ApiRequest, payload: NoticeIn) -> Any:
    if not rules.can_publish(request.auth):
        raise PermissionDeniedError("")
    notice = services.notice_publish(
        actor=request.auth,
        title=payload.title,
        body=payload.body,
        deadline=payload.deadline,
        pinned=payload.pinned,
        audience=Audience.of(**payload.audience.dict()),
    )
    return Status(201, notice)


def _notice(request: ApiRequest, notice_id: int) -> Notice:
    return access(Notice.objects.visible_to(request.auth), pk=notice_id)


@router.get(
    "/notices/{notice_id}",
    response={200: NoticeDetailOut, 404: ErrorOut},
    summary="通知详情（阅读即回执）",
)
def notice_detail(request: ApiRequest, notice_id: IdPath) -> Any:
    notice = _notice(request, notice_id)
    services.receipt_read(user=request.auth, notice=notice)
    return notice


@router.patch(
    "/notices/{notice_id}",
    response={200: NoticeDetailOut, **WRITE_ERRORS},
    summary="修改通知（生成新版本，回执保留）",
)
def notice_update(request: ApiRequest, notice_id: IdPath, payload: NoticeEdit) -> Any:
    notice = _notice(request, notice_id)
    if not rules.can_edit(request.auth, notice):
        raise PermissionDeniedError("")
    return services.notice_update(
        actor=request.auth,
        notice=notice,
        title=payload.title,
        body=payload.body,
        deadline=payload.deadline,
        pinned=payload.pinned,
        reason=payload.reason,
        expected_version=payload.version,
    )


def _receipts_of(request: ApiRequest, notice_id: int) -> Notice:
    notice = _notice(request, notice_id)
    if not rules.can_see_receipts(request.auth, notice):
        raise PermissionDeniedError("")
    return notice


@router.get(
    "/notices/{notice_id}/receipts",
    response={200: CountsOut, 404: ErrorOut},
    summary="阅读回执统计（发布单位、省委教育工委）",
)
def receipt_counts(request: ApiRequest, notice_id: IdPath) -> Any:
    return selectors.receipt_counts(_receipts_of(request, notice_id))


@router.get(
    "/notices/{notice_id}/unread",
    response={200: list[UnreadOut], 404: ErrorOut},
    summary="未读人员",
)
@paginated
def unread_list(request: ApiRequest, notice_id: IdPath, region: str | None = None) -> Any:
    qs = selectors.unread_receipts(_receipts_of(request, notice_id))
    if region:
        qs = qs.filter(region__path__contains=f"{region}/")
    return qs.order_by("region_id", "user_id")


@router.post(
    "/notices/{notice_id}/reminders",
    response={200: ReminderOut, 201: ReminderOut, **WRITE_ERRORS},
    summary="提醒未读人员（每天一次）",
)
def notice_remind(request: ApiRequest, notice_id: IdPath) -> Any:
    notice = _notice(request, notice_id)
    reminder, created = services.notice_remind(actor=request.auth, notice=notice)
    out = {"day": reminder.day, "recipients": reminder.recipients, "created": created}
    return Status(201 if created else 200, out)
