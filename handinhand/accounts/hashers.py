"""The password hasher (issue 15 item 3; why this one: config/settings.py, PASSWORD_HASHERS)."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id at RFC 9106 §4's second recommended setting: 3 passes over 64 MiB, 4 lanes.
    Django's own default (2 passes, 100 MiB, 8 lanes) costs more CPU here for little more
    strength. The algorithm name stays "argon2", so Django reads the parameters from each hash
    and rehashes at login when they differ from these."""

    time_cost = 3
    memory_cost = 65_536  # KiB
    parallelism = 4
