"""`manage.py compile_locale [--check]`: compile the project's .po files (see core/locale.py).

--check lists the msgids still without an English translation (or marked fuzzy) and exits 1
if there are any: what `make messages` prints after extracting, for the translator."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from handinhand.core import locale


class Command(BaseCommand):
    help = "Compile the project's locale catalogues (.po → .mo) without GNU gettext."
    requires_system_checks: list[str] = []  # W002 is what this command fixes

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="recompile even if up to date")
        parser.add_argument(
            "--check", action="store_true", help="fail on untranslated or fuzzy msgids"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in locale.compile_all(force=options["force"]):
            self.stdout.write(f"compiled {path.with_suffix('.mo')}")
        if options["check"]:
            gaps = locale.gaps()
            for gap in gaps:
                self.stdout.write(f"{gap.catalogue.name}: {gap.why}: {gap.msgid!r}")
            if gaps:
                raise CommandError(f"{len(gaps)} msgids without a translation")
            self.stdout.write("every msgid is translated")
