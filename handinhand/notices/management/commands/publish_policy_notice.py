"""Publish the Measures and the policy in force as a pinned notice to everyone, once per policy
version: run after deploying a new policy file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from handinhand.accounts.models import Role, User
from handinhand.notices.services import policy_notice_publish


class Command(BaseCommand):
    help = (
        "将《全省中小学校党建指导工作办法》及现行政策作为置顶通知发布给全体用户（每个政策版本一次）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", help="发布人（省委教育工委管理员）的账号")

    def handle(self, *args: Any, **options: Any) -> None:
        admins = User.objects.filter(
            role_assignments__role=Role.PROVINCE_ADMIN, role_assignments__is_active=True
        )
        if options.get("username"):
            admins = admins.filter(username=options["username"])
        actor = admins.order_by("pk").first()
        if actor is None:
            raise CommandError("找不到可用的省委教育工委管理员账号")
        notice, created = policy_notice_publish(actor=actor)
        if created:
            count = notice.receipts.count()
            self.stdout.write(f"已发布：{notice.title}（送达 {count} 人）")
        else:
            self.stdout.write(f"该政策版本已发布过：{notice.title}")
