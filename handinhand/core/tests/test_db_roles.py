"""Issue 9, defect 2: on PostgreSQL the app connects as a role that is neither superuser nor
owner of the audit table, and may only INSERT and SELECT it: UPDATE, DELETE and TRUNCATE fail
for it whatever the code does. The roles come from `manage.py db_roles`; here they are granted
on the test database and the app role connects to it for real."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.db import connection

from handinhand.core.db_roles import grant_statements, role_statements

OWNER = os.environ.get("DB_OWNER_ROLE", "handinhand_owner")
APP = os.environ.get("DB_APP_ROLE", "handinhand_app")
OWNER_PASSWORD = os.environ.get("DB_OWNER_PASSWORD", "handinhand_owner")
APP_PASSWORD = os.environ.get("DB_APP_PASSWORD", "handinhand_app")

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles: PostgreSQL"),
    pytest.mark.django_db(transaction=True),  # the app role's connection must see the grants
]


def _app_connection():
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=APP,
        password=APP_PASSWORD,
        autocommit=True,
    )


def _prepare_roles() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        if superuser:  # a developer's machine; CI made them with `manage.py db_roles`
            for statement in role_statements(
                connection,
                owner=OWNER,
                app=APP,
                owner_password=OWNER_PASSWORD,
                app_password=APP_PASSWORD,
            ):
                cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [OWNER, APP])
        if cursor.fetchone()[0] != 2:
            pytest.fail(f"roles {OWNER} and {APP} missing: run `manage.py db_roles` first")
        for statement in grant_statements(
            connection, database=connection.settings_dict["NAME"], owner=OWNER, app=APP
        ):
            cursor.execute(statement)


def test_the_app_role_cannot_rewrite_or_empty_the_log(cast):
    import psycopg.errors

    from handinhand.core import audit
    from handinhand.core.models import AuditAction

    event = audit.record(actor=cast.province_admin, action=AuditAction.LOGIN)
    _prepare_roles()
    with _app_connection() as app, app.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = "
            "current_user"
        )
        assert cursor.fetchone() == (False, False, False)
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'core_auditevent'")
        assert cursor.fetchone()[0] == OWNER
        cursor.execute("SELECT count(*) FROM core_auditevent WHERE id = %s", [event.pk])
        assert cursor.fetchone()[0] == 1
        cursor.execute(
            "INSERT INTO core_auditevent (at, actor_name, action, object_type, object_id,"
            " object_repr, changes, prev_hash, hash) VALUES (now(), 'app', 'login', '', '', '',"
            " '{}', '', '') RETURNING id"
        )
        assert cursor.fetchone()[0] > event.pk
        for statement in (
            "UPDATE core_auditevent SET object_repr = 'x'",
            "DELETE FROM core_auditevent",
            "TRUNCATE core_auditevent",
            "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update",
            "DROP TRIGGER core_auditevent_no_truncate ON core_auditevent",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cursor.execute(statement)
        # Everything else is ordinary data: full DML, no TRUNCATE.
        cursor.execute(
            "UPDATE orgs_school SET secretary = secretary WHERE id = %s", [cast.school.pk]
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("TRUNCATE orgs_school CASCADE")
    assert list(connection.cursor().execute("SELECT 1").fetchall()) == [(1,)]


def test_db_roles_prints_its_sql():
    from io import StringIO

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    out = StringIO()
    call_command("db_roles", "--sql", *([] if superuser else ["--skip-roles"]), stdout=out)
    sql = out.getvalue()
    assert f'GRANT SELECT, INSERT ON "core_auditevent" TO "{APP}"' in sql
    assert "REVOKE UPDATE, DELETE, TRUNCATE" in sql
