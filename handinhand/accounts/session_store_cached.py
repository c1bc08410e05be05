"""The session store with REDIS_URL: cached_db (the database holds every session, the shared
cache a copy read on each request), with the key reserved at login as in `session_store`."""

from __future__ import annotations

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore

from handinhand.accounts.session_store import SessionStore as DatabaseStore


class SessionStore(DatabaseStore, CachedDbSessionStore):
    """reserve_key/save of ours, load/exists/delete through the cache of cached_db."""
