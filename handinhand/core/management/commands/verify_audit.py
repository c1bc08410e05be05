"""Walk the audit log's hash chain; report the first broken link and exit non-zero."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from handinhand.core import audit_chain
from handinhand.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (exit status 1 at the first broken link)."

    def handle(self, *args: Any, **options: Any) -> None:
        status = audit_chain.verify(AuditEvent.objects.all())
        if not status.ok:
            raise CommandError(
                f"audit chain broken at event {status.broken} "
                f"({status.checked} events before it verified, {status.algorithm})"
            )
        self.stdout.write(
            f"audit chain ok: {status.checked} events, {status.algorithm}; "
            f"head #{status.head_id} {status.head_hash}"
        )
