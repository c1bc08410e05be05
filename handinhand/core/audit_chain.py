"""The audit log's hash chain (等保 2.0 level 3: integrity of audit records, issue 9).

Each event carries `prev_hash`, the `hash` of the event before it (by id), and its own `hash`:
an HMAC, keyed by AUDIT_HMAC_KEY, over the event's canonical content and `prev_hash`. An
edited event no longer matches its hash; a deleted one breaks the link of the event after it;
a forged or back-dated one cannot be given a valid HMAC without the key, which lives in the
application's environment and not in the database.

Hash: HMAC-SM3 (GB/T 32905, the Chinese national standard hash the assessment expects) through
the `cryptography` package where its OpenSSL provides SM3, else HMAC-SHA-256; `ALGORITHM` says
which is in use and `manage.py verify_audit` prints it. Both give 32 bytes (64 hex digits).

Appending is serialised: on PostgreSQL by a transaction-scoped advisory lock taken before the
previous hash is read, so that two writers cannot both chain to the same event; on SQLite every
write transaction already holds the database's single write lock (transaction_mode IMMEDIATE).
What the chain cannot show is the removal of the newest events (nothing follows them):
`verify_audit` prints the head (last id and hash) so that it can be noted outside the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import hmac as std_hmac
import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections

# A development key, for the demo and the tests only: `manage.py check --deploy` warns while it
# is in use (core/checks.py). Production sets AUDIT_HMAC_KEY in the environment.
DEVELOPMENT_KEY = "handinhand-development-audit-key-NOT-FOR-PRODUCTION"

# pg_advisory_xact_lock key of the chain ("HIHA" in ASCII): one lock for the one chain.
ADVISORY_LOCK_KEY = 0x48494841
GENESIS = ""  # prev_hash of the first event


def _sm3_available() -> bool:
    try:
        from cryptography.hazmat.backends import default_backend
        from cryptography.hazmat.primitives import hashes
    except ImportError:  # pragma: no cover - cryptography is a pinned dependency
        return False
    sm3 = getattr(hashes, "SM3", None)
    return sm3 is not None and bool(default_backend().hmac_supported(sm3()))


ALGORITHM = "HMAC-SM3" if _sm3_available() else "HMAC-SHA256"


def key_source() -> str:
    """Where the chain's key comes from: "setting" (AUDIT_HMAC_KEY), "secret_key" (derived from a
    production SECRET_KEY, so that a deployment that sets only SECRET_KEY is still keyed by a
    secret of its own) or "development" (the demo's and the tests' key; check --deploy warns)."""
    if getattr(settings, "AUDIT_HMAC_KEY", ""):
        return "setting"
    secret = str(getattr(settings, "SECRET_KEY", ""))
    if secret and not secret.startswith("django-insecure-"):
        return "secret_key"
    return "development"


def hmac_key() -> bytes:
    source = key_source()
    if source == "setting":
        return str(settings.AUDIT_HMAC_KEY).encode()
    if source == "secret_key":
        # A key of its own purpose, not SECRET_KEY itself. Rotating SECRET_KEY then changes the
        # chain's key: a deployment that rotates it sets AUDIT_HMAC_KEY (README).
        return (
            hmac.new(str(settings.SECRET_KEY).encode(), b"handinhand.audit-chain", hashlib.sha256)
            .hexdigest()
            .encode()
        )
    return DEVELOPMENT_KEY.encode()


def digest(message: bytes, key: bytes | None = None) -> str:
    key = hmac_key() if key is None else key
    if ALGORITHM == "HMAC-SM3":
        from cryptography.hazmat.primitives import hashes, hmac

        mac = hmac.HMAC(key, hashes.SM3())
        mac.update(message)
        return mac.finalize().hex()
    return std_hmac.new(key, message, "sha256").hexdigest()


def normalise_ip(ip: str | None) -> str | None:
    """The address as the database gives it back (PostgreSQL's inet prints it compressed)."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(fields: dict[str, Any], prev_hash: str) -> bytes:
    """The bytes the HMAC covers: every stored field but the id and the hash itself, as JSON
    with sorted keys, so that what the database returns gives the same bytes as what was
    written (JSON columns do not keep key order or spacing)."""
    content = {
        "at": _utc(fields["at"]),
        "actor_id": fields.get("actor_id"),
        "actor_name": fields.get("actor_name") or "",
        "action": fields["action"],
        "object_type": fields.get("object_type") or "",
        "object_id": fields.get("object_id") or "",
        "object_repr": fields.get("object_repr") or "",
        "changes": fields.get("changes") if fields.get("changes") is not None else {},
        "ip": normalise_ip(fields.get("ip")),
        "prev_hash": prev_hash,
    }
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def event_hash(fields: dict[str, Any], prev_hash: str, key: bytes | None = None) -> str:
    return digest(canonical(fields, prev_hash), key)


FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip",
    "prev_hash",
    "hash",
)


def lock_chain(using: str) -> None:
    """Hold the chain until the surrounding transaction ends (the caller is inside one)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def head_hash(model: Any, using: str) -> str:
    last = model._base_manager.using(using).order_by("-id").values_list("hash", flat=True)[:1]
    return next(iter(last), GENESIS)


def seal(events: Iterable[Any], prev_hash: str) -> str:
    """Give each unsaved event, in order, its prev_hash and hash; return the last hash."""
    for event in events:
        event.ip = normalise_ip(event.ip)
        event.prev_hash = prev_hash
        values = {name: getattr(event, name) for name in FIELDS if name not in ("id", "hash")}
        event.hash = event_hash(values, prev_hash)
        prev_hash = event.hash
    return prev_hash


@dataclass(frozen=True)
class Break:
    """The first broken link: the event, and what differs."""

    event_id: int
    reason: str

    def __str__(self) -> str:
        return f"#{self.event_id}: {self.reason}"


@dataclass(frozen=True)
class ChainStatus:
    checked: int
    head_id: int | None
    head_hash: str
    broken: Break | None
    algorithm: str = ALGORITHM

    @property
    def ok(self) -> bool:
        return self.broken is None


def walk(
    rows: Iterable[dict[str, Any]], key: bytes | None = None
) -> Iterator[Break | tuple[int, str]]:
    """Check rows (dicts of FIELDS, in id order) one by one; yield (id, hash) of each row that
    holds, and a Break at the first link that does not."""
    key = hmac_key() if key is None else key
    prev = GENESIS
    prev_id: int | None = None
    for row in rows:
        if row["prev_hash"] != prev:
            after = f"#{prev_id}" if prev_id is not None else "the start of the log"
            yield Break(
                row["id"],
                f"prev_hash does not match the hash of {after}: an event before it was "
                "deleted, or this one was inserted out of the chain",
            )
            return
        expected = event_hash(row, row["prev_hash"], key)
        if not std_hmac.compare_digest(expected, row["hash"] or ""):
            yield Break(
                row["id"],
                "its content does not match its hash: the event was edited, or forged "
                "without the key",
            )
            return
        prev, prev_id = row["hash"], row["id"]
        yield row["id"], row["hash"]


def verify(queryset: Any, chunk_size: int = 5000) -> ChainStatus:
    """Walk the whole log in id order, streaming (a server-side cursor on PostgreSQL): memory
    stays flat however many millions of events there are."""
    rows = queryset.order_by("id").values(*FIELDS).iterator(chunk_size=chunk_size)
    checked = 0
    head_id: int | None = None
    head = GENESIS
    for item in walk(rows):
        if isinstance(item, Break):
            return ChainStatus(checked, head_id, head, item)
        checked += 1
        head_id, head = item
    return ChainStatus(checked, head_id, head, None)
