"""Issue 9, defect 2: an edited, deleted or forged back-dated audit event is detected by
`manage.py verify_audit`, which names the first broken link and exits non-zero. The tampering
is done with raw SQL, as the table's owner would (on PostgreSQL with the append-only trigger
lifted, which only the owner or a superuser can do)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from handinhand.core import audit, audit_chain
from handinhand.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db
TABLE = AuditEvent._meta.db_table


@contextlib.contextmanager
def as_owner() -> Iterator[Any]:
    """A cursor that may rewrite the log: what an owner who lifts the trigger can do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Pending deferred foreign-key checks would forbid the ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER core_auditevent_no_update")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER core_auditevent_no_update")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def events(cast) -> list[AuditEvent]:
    made = [
        audit.record(actor=cast.province_admin, action=AuditAction.LOGIN),
        audit.record(
            actor=cast.county_user,
            action=AuditAction.UPDATE,
            instance=cast.school,
            changes={"secretary": ["甲", "乙"], "student_count": [600, 601]},
        ),
    ]
    audit.record_many(
        actor=cast.county_user,
        action=AuditAction.IMPORT,
        items=[(cast.school_anyuan, {"name": [None, "安源"]}), (cast.school, {})],
    )
    made.append(audit.record(actor=cast.audit_admin, action=AuditAction.EXPORT))
    return made


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_an_untouched_log_verifies(events):
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) >= 5
    assert f"head #{ids[-1]}" in verify()
    first, *rest = AuditEvent.objects.order_by("id")
    assert first.prev_hash == "" and len(first.hash) == 64
    for before, after in zip([first, *rest], rest, strict=False):
        assert after.prev_hash == before.hash


def test_the_hash_is_an_hmac_of_the_configured_kind(events, settings):
    event = AuditEvent.objects.order_by("id").first()
    assert event is not None
    values = {n: getattr(event, n) for n in audit_chain.FIELDS}
    assert audit_chain.event_hash(values, event.prev_hash) == event.hash
    # Another key gives another hash: the chain cannot be recomputed without the key.
    assert audit_chain.event_hash(values, event.prev_hash, b"other") != event.hash
    assert audit_chain.ALGORITHM in ("HMAC-SM3", "HMAC-SHA256")


def test_an_edited_event_is_detected(events):
    target = events[1]
    with as_owner() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET object_repr = %s WHERE id = %s", ["改写", target.pk])
    with pytest.raises(CommandError, match=rf"#{target.pk}: its content does not match"):
        verify()


def test_an_edited_change_is_detected(events):
    target = events[1]
    with as_owner() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET changes = %s WHERE id = %s",
            ['{"secretary": ["甲", "丙"], "student_count": [600, 601]}', target.pk],
        )
    with pytest.raises(CommandError, match=rf"#{target.pk}: its content"):
        verify()


def test_a_deleted_event_is_detected(events):
    target = events[1]
    following = AuditEvent.objects.filter(id__gt=target.pk).order_by("id").first()
    assert following is not None
    with as_owner() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=rf"#{following.pk}: prev_hash does not match"):
        verify()


def test_a_forged_back_dated_insert_is_detected(events):
    """The forger copies the chain's head as prev_hash and makes up a hash: without the key it
    cannot be right."""
    last = AuditEvent.objects.order_by("-id").first()
    assert last is not None
    with as_owner() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (at, actor_name, action, object_type, object_id, object_repr,"
            " changes, prev_hash, hash) VALUES"
            " ('2024-01-01 09:00:00+08:00', 'province_admin', 'delete', 'orgs.school', '1',"
            " '伪造', '{}', %s, %s)",
            [last.hash, "0" * 64],
        )
    forged = AuditEvent.objects.order_by("-id").first()
    assert forged is not None and forged.pk != last.pk
    with pytest.raises(CommandError, match=rf"#{forged.pk}: its content does not match"):
        verify()


def test_a_forged_insert_between_two_events_is_detected(events):
    """Squeezed in with an id inside the chain (back-dated), it breaks the next link."""
    before, after = events[0], events[1]
    gap = before.pk + 1
    if gap == after.pk:
        with as_owner() as cursor:  # make room, as a forger would after deleting
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [after.pk])
        after = AuditEvent.objects.filter(id__gt=gap).order_by("id").first()
    values = {n: getattr(before, n) for n in audit_chain.FIELDS}
    with as_owner() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, at, actor_name, action, object_type, object_id,"
            " object_repr, changes, prev_hash, hash) VALUES (%s, %s, 'x', 'login', '', '', '',"
            " '{}', %s, %s)",
            [gap, values["at"], before.hash, "f" * 64],
        )
    with pytest.raises(CommandError, match=r"broken at event #"):
        verify()


def test_concurrent_appends_chain_to_distinct_predecessors(events):
    """Every event's prev_hash is used once: no two writers chained to the same event."""
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))


def test_deploy_check_warns_about_the_development_key(settings):
    from handinhand.core.checks import audit_key_check

    settings.AUDIT_HMAC_KEY = ""
    assert [w.id for w in audit_key_check()] == ["handinhand.W001"]
    settings.AUDIT_HMAC_KEY = "a-real-key-from-the-environment"
    assert audit_key_check() == []


def test_a_production_secret_key_keys_the_chain_when_no_audit_key_is_set(settings):
    from handinhand.core import audit_chain
    from handinhand.core.checks import audit_key_check

    settings.AUDIT_HMAC_KEY = ""
    settings.SECRET_KEY = "a-production-secret-key-" + "x" * 40
    assert audit_chain.key_source() == "secret_key"
    assert audit_key_check() == []
    derived = audit_chain.hmac_key()
    assert derived != audit_chain.DEVELOPMENT_KEY.encode()
    assert derived != settings.SECRET_KEY.encode()  # a key of its own purpose
    settings.SECRET_KEY = "another-production-secret-" + "y" * 40
    assert audit_chain.hmac_key() != derived


def test_the_key_comes_from_the_settings(events, settings):
    assert verify().startswith("audit chain ok")
    settings.AUDIT_HMAC_KEY = "another-key"
    with pytest.raises(CommandError, match="its content does not match"):
        verify()


def test_the_audit_page_shows_the_chain_status(
    events, client_for, cast, django_assert_max_num_queries
):
    from django.core.cache import caches
    from django.urls import reverse

    client = client_for(cast.audit_admin)
    page = client.get(reverse("core:audit_list"))
    assert "审计链完整" in page.content.decode()
    target = events[1]
    with as_owner() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET object_repr = %s WHERE id = %s", ["改写", target.pk])
    caches["local"].clear()  # the status is memoised per process (core.audit_views)
    text = client.get(reverse("core:audit_list")).content.decode()
    assert "审计链断裂" in text and f"#{target.pk}" in text
    assert reverse("core:audit_detail", args=[target.pk]) in text


def test_the_chain_is_walked_in_chunks_not_loaded_whole(events, monkeypatch):
    """The walk streams (QuerySet.iterator), it never builds the list of every event."""
    from django.db.models.query import QuerySet

    calls = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        calls.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    assert audit_chain.verify(AuditEvent.objects.all(), chunk_size=2).ok
    assert calls == [2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers itself")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """Four threads, each on its own connection and in its own transactions, append at once:
    the advisory lock makes them take turns, so the chain has no fork."""
    import threading

    from django.db import connections, transaction

    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    audit.record(actor=None, action=AuditAction.LOGIN, actor_name=f"w{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert AuditEvent.objects.count() == 40
    assert audit_chain.verify(AuditEvent.objects.all()).ok
