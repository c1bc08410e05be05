from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from handinhand.api.services import api_token_create


@pytest.fixture
def api_for() -> Callable[[Any], Client]:
    """api_for(user) is a client that sends a fresh token of that user, and no session."""

    def make(user: Any) -> Client:
        _token, raw = api_token_create(actor=user, name="测试令牌")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make
