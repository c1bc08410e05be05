"""每日提醒: one digest per person per day of what their inbox holds (issue 10 item 6).

The inbox (core/inbox.py `inbox_items`) is the one source of work; this module only tells
people about it. Channels: in-app (the inbox itself, and the `ReminderDigest` row), e-mail when
`REMINDER_EMAIL` is on (Django's EMAIL_* settings, from the environment), and a text-message
gateway named by `REMINDER_GATEWAY` (SMS, WeCom …): a class with `send(*, user, text)`. No
provider is built in; the default only logs.

A `ReminderDigest` row unique per (user, day) makes the digest idempotent: a second run the
same day, or a run after a crash, sends nothing twice. A failing mail server is logged once per
run and never undoes the in-app reminder.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from handinhand.core import formats
from handinhand.core.inbox import WorkItem, inbox_items
from handinhand.core.models import ReminderDigest

log = logging.getLogger(__name__)


class MessageGateway(Protocol):
    """An SMS or WeCom (企业微信) sender; a deployment names its class in REMINDER_GATEWAY."""

    def send(self, *, user: Any, text: str) -> bool:
        """Send `text` to `user`; True when it was sent."""
        ...


class LogGateway:
    """The default gateway: writes the message to the log and sends nothing."""

    def send(self, *, user: Any, text: str) -> bool:
        log.info("reminder for %s: %s", user.get_username(), text.splitlines()[0] if text else "")
        return False


def get_gateway() -> MessageGateway:
    path = getattr(settings, "REMINDER_GATEWAY", "") or "handinhand.core.reminders.LogGateway"
    gateway: MessageGateway = import_string(path)()
    return gateway


def digest_text(items: list[WorkItem], today: dt.date) -> str:
    lines = [_("您有 %(n)s 项待办：") % {"n": len(items)}]
    for item in items[:20]:
        line = f"· {item.title}"
        if item.subject:
            line += _("（%(x)s）") % {"x": item.subject}
        days = item.days_left(today)
        if item.due is not None and days is not None:
            if days < 0:
                when = _("已逾期 %(d)s 天") % {"d": -days}
            else:
                when = _("剩 %(d)s 天") % {"d": days}
            line += f" {formats.day(item.due)} {when}"
        lines.append(line)
    if len(items) > 20:
        lines.append(_("……另有 %(n)s 项，请登录平台查看") % {"n": len(items) - 20})
    return "\n".join(lines)


def digests_send(today: dt.date, *, user_ids: Any = None) -> dict[str, int]:
    """Send today's digest to every active user with work (or to `user_ids`); returns counts."""
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    done = set(ReminderDigest.objects.filter(day=today).values_list("user_id", flat=True))
    # MEETINGS_REMINDER_EMAIL: the setting of the meetings reminder this digest replaced.
    use_email = bool(
        getattr(settings, "REMINDER_EMAIL", False)
        or getattr(settings, "MEETINGS_REMINDER_EMAIL", False)
    )
    gateway = get_gateway()
    counts = {"digests": 0, "emails": 0, "messages": 0, "email_failures": 0}
    mail_broken = False
    for user in users.iterator(chunk_size=500):
        if user.pk in done:
            continue
        # The digest reads in the person's own language (accounts.language), dates included.
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            items = inbox_items(user, today)
            text = digest_text(items, today) if items else ""
            subject = _("【大手拉小手】今日待办提醒")
        if not items:
            continue
        try:
            with transaction.atomic():
                digest = ReminderDigest.objects.create(
                    user=user, day=today, items=len(items), text=text
                )
        except IntegrityError:  # another run got there first
            continue
        counts["digests"] += 1
        email = getattr(user, "email", "")
        if use_email and email and not mail_broken:
            try:
                send_mail(subject, text, None, [email])
            except Exception:
                # Logged once per run: a dead mail relay must not fill the log per person.
                log.exception("reminder e-mail failed; no more e-mail in this run")
                mail_broken = True
                counts["email_failures"] += 1
            else:
                digest.emailed = True
                counts["emails"] += 1
        try:
            digest.messaged = bool(gateway.send(user=user, text=text))
        except Exception:
            log.exception("reminder gateway failed for user %s", user.pk)
        counts["messages"] += int(digest.messaged)
        if digest.emailed or digest.messaged:
            ReminderDigest.objects.filter(pk=digest.pk).update(
                emailed=digest.emailed, messaged=digest.messaged
            )
    return counts


def daily_digest(today: dt.date) -> dict[str, int]:
    """The scheduled job (core.apps registers it)."""
    return digests_send(today)
