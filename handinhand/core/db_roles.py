"""PostgreSQL roles for a deployment (issue 9): the owner runs migrations and owns every table;
the app connects for the web and the workers, is neither superuser nor owner of anything, and
may only INSERT and SELECT the audit log (full DML elsewhere, TRUNCATE nowhere).

`manage.py db_roles` runs these statements as a superuser (or prints them with --sql for a
database administrator to run). They are idempotent: run them again after a migration that
adds tables (default privileges cover tables the owner creates later anyway).
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "core_auditevent"


def _ident(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def _literal(password: str) -> str:
    return "'" + password.replace("'", "''") + "'"


def role_statements(
    connection: BaseDatabaseWrapper,
    *,
    owner: str,
    app: str,
    owner_password: str = "",
    app_password: str = "",
) -> list[str]:
    """Create the two roles if missing and make sure neither is a superuser. The owner may
    create databases (the test suite creates its own) but not roles."""
    statements = []
    for role, password, extra in ((owner, owner_password, "CREATEDB"), (app, app_password, "")):
        quoted = _ident(connection, role)
        statements.append(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
            f"{_literal(role)}) THEN CREATE ROLE {quoted} LOGIN; END IF; END $$"
        )
        options = f"LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS {extra}".strip()
        if not extra:
            options += " NOCREATEDB"
        if password:
            options += f" PASSWORD {_literal(password)}"
        statements.append(f"ALTER ROLE {quoted} {options}")
    return statements


def grant_statements(
    connection: BaseDatabaseWrapper, *, database: str, owner: str, app: str
) -> list[str]:
    """Hand the database's schema and tables to the owner, and give the app what it needs.
    Runs as a superuser on an existing database, or as the owner on one it already owns (the
    test database)."""
    o, a, db = (_ident(connection, n) for n in (owner, app, database))
    audit = _ident(connection, AUDIT_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> %s",
            [owner],
        )
        # Identity sequences (the id columns) follow their table to the new owner.
        foreign_tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'"
        )
        schema_owner = cursor.fetchone()[0]
    statements = [
        f"ALTER DATABASE {db} OWNER TO {o}",
        # PostgreSQL 15 gives the schema to pg_database_owner, i.e. to the database's owner.
        *(
            [f"ALTER SCHEMA public OWNER TO {o}"]
            if schema_owner not in (owner, "pg_database_owner")
            else []
        ),
        *(f"ALTER TABLE public.{_ident(connection, t)} OWNER TO {o}" for t in foreign_tables),
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {a}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {a}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {a}",
        # The audit log: append and read, nothing else, for the app and for everyone else.
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {audit} FROM {a}, PUBLIC",
        f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {a}",
        f"GRANT SELECT, INSERT ON {audit} TO {a}",
    ]
    return statements
