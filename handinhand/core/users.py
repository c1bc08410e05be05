"""How core names a person without importing accounts, which sits above it (DESIGN §7).

Apps from accounts up type `actor`/`user` as `handinhand.accounts.models.User`, a subclass of
`AbstractBaseUser`, so they pass it to core as is.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

# Whoever a request carries: a signed-in user or the anonymous one (scope answers "nothing").
AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser
