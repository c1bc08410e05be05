"""The audit log is append-only: the model, the QuerySet and (on PostgreSQL) the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from handinhand.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged():
    return AuditEvent.objects.create(action=AuditAction.LOGIN, actor_name="someone", ip="10.0.0.1")


def test_an_event_cannot_be_saved_again_or_deleted(logged):
    logged.object_repr = "rewritten"
    with pytest.raises(TypeError):
        logged.save()
    with pytest.raises(TypeError):
        logged.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=logged.pk).update(ip="10.9.9.9")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=logged.pk).delete()
    stored = AuditEvent.objects.get(pk=logged.pk)
    assert (stored.object_repr, stored.ip) == ("", "10.0.0.1")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the trigger of core/migrations/0002 exists on PostgreSQL only",
)
def test_postgresql_refuses_raw_update_and_delete(logged):
    table = AuditEvent._meta.db_table
    for sql in (
        f"UPDATE {table} SET ip = '10.9.9.9' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [logged.pk])
    assert AuditEvent.objects.get(pk=logged.pk).ip == "10.0.0.1"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the statement trigger of core/migrations/0004 exists on PostgreSQL only",
)
def test_postgresql_refuses_truncate_even_to_the_owner(logged):
    """The row trigger never saw TRUNCATE, which emptied the log (issue 9)."""
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks hide the trigger
        cursor.execute(f"TRUNCATE {AuditEvent._meta.db_table}")
    assert AuditEvent.objects.filter(pk=logged.pk).exists()
