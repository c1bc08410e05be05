"""The mixed load of benchmarks/load.py (locust): every role of the programme reading its pages
with 1–4 s of think time, and a bare view (the ceiling) behind the same middleware.

Each simulated person logs in once (as one of the demo accounts of the seed; the accounts that
need a second factor are served with OTP_REQUIRED_ROLES empty by load.py) and then reads the
pages of their role at random. The share of each role follows who uses the platform: schools
and instructors most, the province least.
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any, ClassVar

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "HandInHand@2025")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# role → (account, weight, pages)
ROLES: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "province_admin": (
        "admin",
        1,
        (
            "/",
            "/orgs/schools/",
            "/guidance/coverage/",
            "/indicators/analytics/",
            "/cockpit/",
            "/meetings/",
            "/reports/",
            "/inbox/",
        ),
    ),
    "leader": (
        "leader",
        2,
        ("/", "/guidance/workbench/", "/guidance/visits/", "/meetings/", "/reports/", "/inbox/"),
    ),
    "instructor": (
        "instructor",
        4,
        (
            "/",
            "/guidance/workbench/",
            "/guidance/visits/",
            "/orgs/schools/",
            "/indicators/analytics/",
            "/inbox/",
        ),
    ),
    "city": ("pingxiang", 2, ("/", "/orgs/schools/", "/guidance/coverage/", "/cockpit/")),
    "county": ("xiangdong", 2, ("/", "/orgs/schools/", "/guidance/visits/", "/notices/")),
    "school": ("school", 4, ("/", "/notices/", "/inbox/", "/training/")),
}


def _sessions() -> dict[str, list[str]]:
    path = os.environ.get("LOAD_SESSIONS")
    if not path:
        return {}
    with open(path, encoding="utf-8") as fh:
        data: dict[str, list[str]] = json.load(fh)
    return data


class _Person(HttpUser):
    abstract = True
    wait_time = between(1, 4)
    account: ClassVar[str] = ""
    pages: ClassVar[tuple[str, ...]] = ()

    def on_start(self) -> None:
        sessions = _sessions().get(self.account)
        if sessions:
            # Signed in beforehand by load.py (the page load, not the password hasher, is what
            # this measures; a login is rare beside the pages a person reads).
            self.client.cookies.set("sessionid", random.choice(sessions))  # noqa: S311
            return
        page = self.client.get("/accounts/login/", name="login form")
        token = TOKEN.search(page.text)
        self.client.post(
            "/accounts/login/",
            data={
                "username": self.account,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token[1] if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
        )

    @task
    def read(self) -> None:
        path = random.choice(self.pages)  # noqa: S311 -- a load mix, not a secret
        with self.client.get(path, name=path, catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure("logged out")


def _role_class(role: str, account: str, weight: int, pages: tuple[str, ...]) -> type[Any]:
    return type(role, (_Person,), {"account": account, "weight": weight, "pages": pages})


if os.environ.get("LOAD_TARGET", "mixed") == "bare":

    class Bare(_Person):
        """The ceiling: a logged-in request to a view that does nothing, through the same
        middleware (session, user, security, CSRF, locale …)."""

        account = "instructor"
        pages = ("/bench/bare/",)

else:
    for _role, (_account, _weight, _pages) in ROLES.items():
        globals()[_role] = _role_class(_role, _account, _weight, _pages)
