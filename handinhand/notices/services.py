"""Writes of notices: publishing to an audience (receipts in bulk), editing as a new version,
reading, and reminding the unread once a day. Each validates, writes in one transaction and
records the audit event; the pages and the API call these and nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit, formats
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.core.uploads import check_upload
from handinhand.notices import access
from handinhand.notices.audience import Audience, resolve
from handinhand.notices.models import (
    AudienceRole,
    Notice,
    NoticeAttachment,
    NoticeKind,
    NoticeReceipt,
    NoticeReminder,
    NoticeVersion,
)

RECEIPT_BATCH = 2000


def _checked_files(
    files: Sequence[UploadedFile[Any]], *, already: int = 0
) -> list[tuple[Any, str]]:
    """Each file judged by its content against the policy; all errors keyed "attachments"."""
    limit = get_policy().notices.max_attachments
    if already + len(files) > limit:
        raise ValidationError({"attachments": _("附件最多 %(n)d 个") % {"n": limit}})
    checked, errors = [], []
    for upload in files:
        try:
            checked.append((upload, check_upload(upload, module="notices", field=None)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"attachments": errors})
    return checked


def _attach(notice: Notice, files: list[tuple[Any, str]]) -> list[NoticeAttachment]:
    rows = []
    for upload, kind in files:
        row = NoticeAttachment(
            notice=notice,
            kind=kind,
            name=(upload.name or "附件")[:200],
            size=upload.size or 0,
            revision=notice.revision,
        )
        row.file.save(upload.name or "attachment", upload, save=False)
        row.save()
        rows.append(row)
    return rows


def notice_publish(
    *,
    actor: User,
    title: str,
    body: str,
    audience: Audience,
    deadline: dt.date | None = None,
    pinned: bool = False,
    kind: str = NoticeKind.NOTICE,
    attachments: Sequence[UploadedFile[Any]] = (),
) -> Notice:
    """Publish a notice: the audience is resolved to people now and each gets a receipt.

    An audience that picks nothing, or reaches nobody, is refused; so is any pick outside the
    publisher's scope (a county cannot address another county)."""
    region = access.publisher_region_code(actor)
    if region is None:
        raise PermissionDeniedError(_("只有省、市、县教育部门可以发布通知"))
    files = _checked_files(attachments)
    resolved = resolve(audience, publisher_paths=access.publisher_paths(actor))
    if not resolved.recipients:
        raise ValidationError({"audience": _("所选范围内没有可接收通知的用户，通知未发布")})
    now = timezone.now()
    with transaction.atomic():
        notice = Notice(
            title=title,
            body=body,
            kind=kind,
            deadline=deadline,
            pinned=pinned,
            publisher=actor,
            publisher_region_id=region,
            audience=audience.as_json(),
            audience_label=resolved.label[:500],
            published_at=now,
            policy_version=get_policy().version,
        )
        notice.full_clean()
        notice.save(force_insert=True)
        _attach(notice, files)
        NoticeReceipt.objects.bulk_create(
            (
                NoticeReceipt(notice=notice, user_id=user_id, region_id=region_code)
                for user_id, region_code in resolved.recipients.items()
            ),
            batch_size=RECEIPT_BATCH,
        )
        changes = audit.diff({}, audit.snapshot(notice))
        changes["recipients"] = [None, len(resolved.recipients)]
        audit.record(actor=actor, action=AuditAction.CREATE, instance=notice, changes=changes)
    return notice


CONTENT_FIELDS = ("title", "body", "deadline", "pinned")


def notice_update(
    *,
    actor: User,
    notice: Notice,
    title: str,
    body: str,
    deadline: dt.date | None,
    pinned: bool,
    reason: str = "",
    attachments: Sequence[UploadedFile[Any]] = (),
    expected_version: int | None = None,
) -> Notice:
    """Edit a published notice: the text it replaces is kept as a version, the revision goes
    up, and the receipts stay as they are (recipients see 已更新; see selectors)."""
    if not access.can_edit(actor, notice):
        raise PermissionDeniedError(_("只有发布单位可以修改该通知"))
    with transaction.atomic():
        current = Notice.objects.select_for_update().get(pk=notice.pk)
        if expected_version is not None and current.version != expected_version:
            raise ConflictError(str(current))
        files = _checked_files(attachments, already=current.attachments.count())
        before = audit.snapshot(current)
        data = {"title": title, "body": body, "deadline": deadline, "pinned": pinned}
        if all(getattr(current, k) == v for k, v in data.items()) and not files:
            return current
        NoticeVersion.objects.create(
            notice=current,
            revision=current.revision,
            title=current.title,
            body=current.body,
            deadline=current.deadline,
            published_at=current.revised_at or current.published_at,
            replaced_by=actor,
            replaced_at=timezone.now(),
            reason=reason[:200],
        )
        for name, value in data.items():
            setattr(current, name, value)
        current.revision += 1
        current.version += 1
        current.revised_at = timezone.now()
        current.full_clean()
        current.save()
        added = _attach(current, files)
        changes = audit.diff(before, audit.snapshot(current))
        if added:
            changes["attachments"] = [None, [a.name for a in added]]
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=current, changes=changes)
    return current


def receipt_read(*, user: User, notice: Notice) -> bool:
    """Mark the user's receipt read at the notice's current revision; True on the first read.

    Not an audit event: the receipt is itself the record of the read, and a province-wide
    notice would otherwise add 15,000 rows to the hash chain in a morning."""
    now = timezone.now()
    first = NoticeReceipt.objects.filter(notice=notice, user=user, read_at__isnull=True).update(
        read_at=now, read_revision=notice.revision
    )
    if not first:
        NoticeReceipt.objects.filter(notice=notice, user=user).exclude(
            read_revision=notice.revision
        ).update(read_revision=notice.revision, read_at=Coalesce(F("read_at"), now))
    return bool(first)


def notice_remind(*, actor: User, notice: Notice) -> tuple[NoticeReminder, bool]:
    """Remind everyone who has not read the notice: once per notice per day (a second call
    the same day returns that day's reminder and writes nothing). The reminder is a flag on
    each unread receipt, which the inbox shows as 提醒：请阅读通知."""
    if not access.can_remind(actor, notice):
        raise PermissionDeniedError(_("只有发布单位可以提醒未读人员"))
    today = timezone.localdate()
    existing = NoticeReminder.objects.filter(notice=notice, day=today).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    unread = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True)
    if not unread.exists():
        raise ValidationError(_("所有接收人均已阅读，无需提醒"))
    try:
        with transaction.atomic():
            reminder = NoticeReminder.objects.create(
                notice=notice, day=today, sent_by=actor, sent_at=now
            )
            reminder.recipients = unread.update(reminded_at=now)
            reminder.save(update_fields=["recipients"])
            audit.record(
                actor=actor,
                action=AuditAction.CREATE,
                instance=reminder,
                changes={"notice": [None, notice.pk], "recipients": [None, reminder.recipients]},
            )
    except IntegrityError:
        # Another request reminded in the same instant: that one is today's reminder.
        return NoticeReminder.objects.get(notice=notice, day=today), False
    return reminder, True


def policy_notice_body() -> str:
    """The content summary of the policy in force, as the pinned document shows it."""
    p = get_policy()
    meetings = "；".join(
        _("%(name)s：每%(period)s不少于%(n)d次")
        % {
            "name": m.name,
            "period": _("学期") if m.period == "semester" else _("季度"),
            "n": m.minimum,
        }
        for m in p.meetings
    )
    lines = [
        _(
            "省委教育工委印发%(title)s，优选高校党建工作示范学校牵头开展中小学校党建指导工作，"
            "试点先行、分批推进，形成上下联动、规范有序、全面覆盖的党建指导“大手拉小手”工作格局。"
        )
        % {"title": p.notices.measures_title},
        _("现行政策：%(name)s（版本 %(version)s）。主要规定如下：")
        % {
            "name": p.name,
            "version": p.version,
        },
        _(
            "一、每个党建指导组配备党建指导员 %(n)d 名，分小组、分片区开展指导；"
            "指导组分省、市、县三级。"
        )
        % {"n": p.groups.instructors_per_group},
        _("二、指导内容为三级指标体系：一级指标 %(a)d 项、二级指标 %(b)d 项、三级指标 %(c)d 项。")
        % dict(zip("abc", p.indicators.level_counts, strict=False)),
        _("三、会议制度：%(m)s。") % {"m": meetings},
        _(
            "四、每年%(month)d月%(day)d日前，各指导组向同级教育部门报告上一年度指导工作"
            "及负责人履职情况。"
        )
        % {"month": p.reports.due_month, "day": p.reports.due_day},
        _(
            "五、省级指导组每年对党建指导员进行考核，考核为%(top)s的在评优评先、培养培训、职称评聘、职务晋升中同等条件下优先考虑。"
        )
        % {"top": p.assessment.top_grade},
        _("六、经费保障：按每名省级指导组成员每年 %(amount)s 元的标准拨付牵头高校。")
        % {"amount": formats.num(p.funding.per_member_per_year)},
        _("七、业务培训：党建指导员每年参加培训不少于 %(h)s 学时。")
        % {"h": p.training.min_hours_per_year},
    ]
    return "\n\n".join(lines)


def policy_notice_publish(*, actor: User) -> tuple[Notice, bool]:
    """Publish the Measures and the policy in force as a pinned document to everyone in the
    province, once per policy version (False: this version was already published)."""
    policy = get_policy()
    existing = Notice.objects.filter(kind=NoticeKind.POLICY, policy_version=policy.version).first()
    if existing is not None:
        return existing, False
    notice = notice_publish(
        actor=actor,
        title=_("%(title)s及现行政策（%(version)s）")
        % {"title": policy.notices.measures_title, "version": policy.version},
        body=policy_notice_body(),
        audience=Audience.of(roles=AudienceRole.values),
        pinned=True,
        kind=NoticeKind.POLICY,
    )
    return notice, True
