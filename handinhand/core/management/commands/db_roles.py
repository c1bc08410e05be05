"""Create the PostgreSQL owner and app roles and their privileges (handinhand/core/db_roles.py).

    DATABASE_URL=postgres://postgres@host/handinhand manage.py db_roles \
        --owner-password ... --app-password ...

Run as a superuser. With --sql the statements are printed instead, for a DBA to review.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from handinhand.core.db_roles import grant_statements, role_statements


class Command(BaseCommand):
    help = "Create the owner and app database roles (PostgreSQL) and grant their privileges."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default=os.environ.get("DB_OWNER_ROLE", "handinhand_owner"))
        parser.add_argument("--app", default=os.environ.get("DB_APP_ROLE", "handinhand_app"))
        parser.add_argument(
            "--owner-password", default=os.environ.get("DB_OWNER_PASSWORD", ""), help="optional"
        )
        parser.add_argument(
            "--app-password", default=os.environ.get("DB_APP_PASSWORD", ""), help="optional"
        )
        parser.add_argument(
            "--skip-roles", action="store_true", help="only grant (the roles already exist)"
        )
        parser.add_argument(
            "--roles-only",
            action="store_true",
            help="only create the roles (connected to any database, e.g. `postgres`)",
        )
        parser.add_argument("--sql", action="store_true", help="print the SQL, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("db_roles is for PostgreSQL (DATABASE_URL=postgres://...)")
        statements = (
            []
            if options["skip_roles"]
            else role_statements(
                connection,
                owner=options["owner"],
                app=options["app"],
                owner_password=options["owner_password"],
                app_password=options["app_password"],
            )
        )
        if not options["roles_only"]:
            statements += grant_statements(
                connection,
                database=connection.settings_dict["NAME"],
                owner=options["owner"],
                app=options["app"],
            )
        if options["sql"]:
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        if options["roles_only"]:
            self.stdout.write(f"roles ready: {options['owner']}, {options['app']}")
            return
        self.stdout.write(
            f"roles ready: {options['owner']} owns {connection.settings_dict['NAME']}; "
            f"{options['app']} may INSERT/SELECT the audit log only"
        )
