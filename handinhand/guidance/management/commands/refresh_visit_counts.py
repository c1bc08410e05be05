"""Recount the pre-aggregated visit counts (SchoolVisitCount) from the visits' school links."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from handinhand.guidance.models import SchoolVisitCount
from handinhand.guidance.services import refresh_visit_counts


class Command(BaseCommand):
    help = (
        "Recount SchoolVisitCount from VisitSchool for every school (after a bulk load that "
        "bypassed the services); ANALYZE the table on PostgreSQL."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            written = refresh_visit_counts()
        if connection.vendor == "postgresql":
            # Fresh statistics, or the coverage page's join is planned on a table thought empty.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ANALYZE {connection.ops.quote_name(SchoolVisitCount._meta.db_table)}"
                )
        self.stdout.write(f"visit counts: {written} rows (school × year)")
