"""Django's database sessions, able to name a new session's key before its first save, so that
the login records the session for the security administrator's list (accounts.signals)
without writing the session twice.

With REDIS_URL set (several app servers), the cached_db flavour: the database still holds
every session (the list, and the truth when Redis is lost), and each request reads it from the
shared cache instead of the database (`session_store_cached`, chosen by the settings). Without
Redis the cache would be the database itself, so the plain database store is kept."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    _key_reserved = False

    def reserve_key(self) -> str:
        if self.session_key is None:
            self._session_key = self._get_new_session_key()  # type: ignore[attr-defined]
            self._key_reserved = True
        return str(self.session_key)

    def save(self, must_create: bool = False) -> None:
        if self._key_reserved:
            self._key_reserved = False
            must_create = True
        super().save(must_create=must_create)
