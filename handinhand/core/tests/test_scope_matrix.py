"""Every page of the site, requested by someone outside its scope, answers 404 and writes
nothing; the same page answers its insider. A new URL that is not listed here fails the suite,
so no page ships without its out-of-scope test. (The API has its own matrix in api/tests.)"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from handinhand.accounts.models import RoleAssignment
from handinhand.core import audit
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.programme.models import Pairing

Arg = Callable[[Any], Any]

# name: (argument from the cast, the insider, the outsiders)
OBJECT_PAGES: dict[str, tuple[Arg, str, list[str]]] = {
    "orgs:school_detail": (
        lambda c: c.school.pk,
        "school_user",
        ["outsider", "instructor_ecjtu", "audit_admin"],
    ),
    "orgs:school_edit": (
        lambda c: c.school.pk,
        "county_user",
        ["outsider", "instructor_ecjtu", "school_user", "instructor"],
    ),
    "orgs:university_detail": (
        lambda c: c.universities["ncu"].pk,
        "instructor",
        ["outsider", "instructor_ecjtu", "system_admin"],
    ),
    "orgs:university_edit": (
        lambda c: c.universities["ncu"].pk,
        "province_admin",
        ["city_user", "leader", "outsider"],
    ),
    "orgs:university_recognition_add": (
        lambda c: c.universities["ncu"].pk,
        "province_admin",
        ["leader", "outsider"],
    ),
    "orgs:region_detail": (
        lambda c: "360313",
        "county_user",
        ["outsider", "instructor_ecjtu", "audit_admin"],
    ),
    "programme:batch_detail": (
        lambda c: c.batch.pk,
        "school_user",
        ["system_admin", "security_admin", "audit_admin"],
    ),
    "programme:batch_edit": (lambda c: c.batch.pk, "province_admin", ["city_user", "leader"]),
    "programme:group_detail": (
        lambda c: c.groups["ncu"].pk,
        "instructor",
        ["outsider", "instructor_ecjtu", "audit_admin"],
    ),
    "programme:group_edit": (
        lambda c: c.groups["ncu"].pk,
        "leader",
        ["instructor", "outsider", "city_user"],
    ),
    "programme:membership_create": (
        lambda c: c.groups["ncu"].pk,
        "leader",
        ["instructor", "outsider", "instructor_ecjtu"],
    ),
    "programme:district_create": (
        lambda c: c.groups["ncu"].pk,
        "leader",
        ["instructor", "instructor_ecjtu", "outsider"],
    ),
    "programme:membership_detail": (
        lambda c: c.membership.pk,
        "instructor",
        ["outsider", "instructor_ecjtu"],
    ),
    "programme:membership_edit": (lambda c: c.membership.pk, "leader", ["instructor", "outsider"]),
    "programme:membership_end": (lambda c: c.membership.pk, "leader", ["instructor", "outsider"]),
    "programme:pairing_detail": (
        lambda c: Pairing.objects.get(group=c.groups["ncu"]).pk,
        "city_user",
        ["outsider", "instructor_ecjtu"],
    ),
    "programme:pairing_delete": (
        lambda c: Pairing.objects.get(group=c.groups["ncu"]).pk,
        "province_admin",
        ["city_user", "leader"],
    ),
    "programme:district_detail": (
        lambda c: c.district.pk,
        "instructor",
        ["instructor_ecjtu", "outsider", "system_admin"],
    ),
    "programme:district_edit": (
        lambda c: c.district.pk,
        "leader",
        ["instructor_ecjtu", "outsider"],
    ),
    "programme:district_assign": (
        lambda c: c.district.pk,
        "leader",
        ["instructor_ecjtu", "outsider"],
    ),
    "programme:district_remove": (
        lambda c: c.district.pk,
        "leader",
        ["instructor_ecjtu", "outsider"],
    ),
    "accounts:user_detail": (
        lambda c: c.instructor.pk,
        "system_admin",
        ["instructor", "province_admin", "audit_admin"],
    ),
    "accounts:user_edit": (
        lambda c: c.instructor.pk,
        "system_admin",
        ["security_admin", "province_admin", "audit_admin"],
    ),
    "accounts:user_password": (
        lambda c: c.instructor.pk,
        "system_admin",
        ["security_admin", "province_admin"],
    ),
    "accounts:user_unlock": (
        lambda c: c.instructor.pk,
        "system_admin",
        ["security_admin", "province_admin"],
    ),
    "accounts:role_grant": (
        lambda c: c.instructor.pk,
        "security_admin",
        ["system_admin", "audit_admin", "province_admin"],
    ),
    "accounts:role_revoke": (
        lambda c: RoleAssignment.objects.get(user=c.county_user).pk,
        "security_admin",
        ["system_admin", "province_admin", "county_user"],
    ),
    "core:audit_detail": (
        lambda c: _an_event(c).pk,
        "audit_admin",
        ["system_admin", "security_admin", "province_admin"],
    ),
    "api:token_revoke": (lambda c: _a_token(c).pk, "instructor", ["outsider", "leader"]),
    "core:job_detail": (
        lambda c: _a_job(c).pk,
        "leader",
        ["instructor", "outsider", "city_user", "school_user", "audit_admin"],
    ),
    "core:job_file": (
        lambda c: _a_finished_export(c).pk,
        "leader",
        ["instructor", "outsider", "city_user", "school_user", "audit_admin"],
    ),
    "core:job_retry": (
        lambda c: _a_job(c).pk,
        "system_admin",
        ["province_admin", "security_admin", "audit_admin", "leader"],
    ),
    "core:schedule_run": (
        lambda c: "core.reminder_digest",
        "system_admin",
        ["province_admin", "security_admin", "audit_admin", "outsider"],
    ),
}


def _a_finished_export(cast: Any) -> Any:
    """A finished job with its file (issue 15: big exports), the leader's."""
    from openpyxl import Workbook

    from handinhand.core.exports import xlsx_response
    from handinhand.core.jobs import job_finish

    job = _a_job(cast)
    workbook = Workbook()
    data = b"".join(xlsx_response(workbook, "x.xlsx"))
    job.result_file.save(f"matrix-{job.pk}.xlsx", ContentFile(data), save=True)
    job_finish(job, result={"rows": 0, "filename": "导出.xlsx"})
    return job


def _a_job(cast: Any) -> Any:
    from handinhand.core.jobs import job_enqueue

    return job_enqueue(actor=cast.leader, kind="test.export", total=3)


# Pages without an object, open only to some roles: (the insider, the outsiders).
ROLE_PAGES: dict[str, tuple[str, list[str]]] = {
    "orgs:school_create": ("county_user", ["instructor", "school_user", "audit_admin"]),
    "orgs:school_import": ("county_user", ["instructor", "school_user", "system_admin"]),
    "orgs:school_template": ("county_user", ["instructor", "school_user"]),
    "orgs:university_create": ("province_admin", ["city_user", "leader"]),
    "programme:batch_create": ("province_admin", ["city_user", "leader"]),
    "programme:group_create": ("province_admin", ["instructor", "school_user"]),
    "programme:pairing_create": ("province_admin", ["leader", "city_user"]),
    "accounts:user_list": ("system_admin", ["instructor", "province_admin", "audit_admin"]),
    "accounts:user_create": ("system_admin", ["security_admin", "province_admin"]),
    "accounts:school_search": ("security_admin", ["system_admin", "province_admin"]),
    "core:audit_list": ("audit_admin", ["system_admin", "security_admin", "province_admin"]),
    "core:job_console": ("system_admin", ["province_admin", "security_admin", "audit_admin"]),
}

# Pages open to every signed-in user, whose content is narrowed by scope (tested per app).
OPEN_PAGES = {
    "core:home",
    "core:inbox",
    "core:inbox_badge",
    "accounts:login",
    "accounts:logout",
    "accounts:password_change",
    "orgs:school_list",
    "orgs:university_list",
    "orgs:region_list",
    # Pickers' suggestions: regions and schools in the reader's scope (orgs/tests/test_pickers).
    "orgs:region_pick",
    "orgs:school_pick",
    "programme:batch_list",
    "programme:group_list",
    "programme:membership_list",
    "programme:pairing_list",
    "programme:district_list",
    "programme:coverage",
    "api:tokens",
    "api:docs_asset",
    "api:openapi-json",
    "api:openapi-view",
}

# Pages open to anyone, signed in or not (an app's PUBLIC_PAGES: e.g. a letter verification).
PUBLIC_PAGES: set[str] = set()


def _merge_app_matrices() -> None:
    """Each app lists its own pages in `handinhand/<app>/tests/scope_matrix.py` (dicts named
    OBJECT_PAGES, ROLE_PAGES and a set OPEN_PAGES of the same shapes as here)."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        name = f"{config.name}.tests.scope_matrix"
        if not config.name.startswith("handinhand.") or find_spec(name) is None:
            continue
        module = import_module(name)
        OBJECT_PAGES.update(getattr(module, "OBJECT_PAGES", {}))
        ROLE_PAGES.update(getattr(module, "ROLE_PAGES", {}))
        OPEN_PAGES.update(getattr(module, "OPEN_PAGES", set()))
        PUBLIC_PAGES.update(getattr(module, "PUBLIC_PAGES", set()))


_merge_app_matrices()


def _an_event(cast: Any) -> AuditEvent:
    return audit.record(
        actor=cast.province_admin,
        action=AuditAction.UPDATE,
        instance=cast.school,
        changes={"secretary": ["甲", "乙"]},
    )


def _a_token(cast: Any) -> Any:
    from handinhand.api.services import api_token_create

    token, _raw = api_token_create(actor=cast.instructor, name="矩阵测试")
    return token


def _names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            names |= _names(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name:
            names.add(f"{namespace}:{p.name}")
    return names


def test_every_page_is_in_the_matrix():
    site = {n for n in _names(get_resolver().url_patterns) if not n.startswith("admin:")}
    api_endpoints = {n for n in site if n.startswith("api:")} - set(OBJECT_PAGES) - OPEN_PAGES
    listed = set(OBJECT_PAGES) | set(ROLE_PAGES) | OPEN_PAGES | PUBLIC_PAGES
    missing = site - listed - api_endpoints
    assert not missing, f"pages without an out-of-scope test: {sorted(missing)}"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _assert_closed(client: Client, url: str) -> None:
    before = AuditEvent.objects.count()
    # A POST-only action answers GET with 405 before it looks anything up: nothing revealed.
    assert client.get(url).status_code in (404, 405), url
    assert client.post(url, {"name": "越权", "secretary": "越权"}).status_code == 404, url
    assert AuditEvent.objects.count() == before, f"{url} wrote something for an outsider"


@pytest.mark.parametrize("name", sorted(OBJECT_PAGES))
def test_object_pages_answer_404_out_of_scope(cast, name):
    arg, insider, outsiders = OBJECT_PAGES[name]
    url = reverse(name, args=[arg(cast)])
    status = _client(getattr(cast, insider)).get(url).status_code
    # 302: a page that forwards to where the object is shown (a membership to its group).
    assert status in (200, 302, 405), f"{name}: the insider {insider} got {status}"
    for who in outsiders:
        _assert_closed(_client(getattr(cast, who)), url)


@pytest.mark.parametrize("name", sorted(ROLE_PAGES))
def test_role_pages_answer_404_to_other_roles(cast, name):
    insider, outsiders = ROLE_PAGES[name]
    url = reverse(name)
    # 405: an action taken by POST only (the insider reaches it; GET is the wrong method).
    assert _client(getattr(cast, insider)).get(url).status_code in (200, 405), name
    for who in outsiders:
        _assert_closed(_client(getattr(cast, who)), url)


def test_anonymous_users_are_sent_to_login(cast):
    for name in sorted(set(ROLE_PAGES) | OPEN_PAGES - {"accounts:login", "accounts:logout"}):
        if name.startswith("api:"):
            continue
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


# --- names inside pages -------------------------------------------------------------------------

# People whose view of the province is narrowed by scope; the three administrators work on
# accounts, roles and the log, where names are their business, and the province sees all.
NARROW_USERS = [
    "school_user",
    "county_user",
    "city_user",
    "instructor",
    "instructor_ecjtu",
    "instructor_jxufe",
    "leader",
    "outsider",
]
NOT_PAGES = {"accounts:login", "accounts:logout"}


def _populate(cast: Any) -> dict[str, Any]:
    """Every object the matrix knows how to build (the argument of each object page), and a
    visit to two schools of which most readers see only one (issue 9): what a page could leak
    is in the database."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    from handinhand.guidance.tests.conftest import plan_visit

    args: dict[str, Any] = {}
    for name, (arg, _insider, _outsiders) in sorted(OBJECT_PAGES.items()):
        # Some builders make a unique object (a draft framework, a brand): once is enough.
        with contextlib.suppress(ValidationError, IntegrityError), transaction.atomic():
            args[name] = arg(cast)
    plan_visit(cast, schools=[cast.school, cast.school_anyuan], title="两校联合指导")
    return args


def test_pages_name_no_school_out_of_scope(cast):
    """Ids are not all a page can leak: for each page a narrowly scoped user opens (the lists,
    their .xlsx, the object pages they are the insider of), no school of the cast that the user
    may not see is named in it."""
    from handinhand.core.tests.response_text import response_text
    from handinhand.orgs.models import School

    args = _populate(cast)
    schools = {s.pk: s.name for s in School.objects.all()}
    for who in NARROW_USERS:
        user = getattr(cast, who)
        hidden = {
            name
            for pk, name in schools.items()
            if pk not in set(School.objects.visible_to(user).values_list("pk", flat=True))
        }
        assert hidden, who
        client = _client(user)
        urls = [
            (reverse(name), query)
            for name in sorted(OPEN_PAGES - NOT_PAGES)
            if not name.startswith("api:")
            for query in ({}, {"export": "xlsx"})
        ] + [
            (reverse(name, args=[args[name]]), {})
            for name, (_arg, insider, _outsiders) in sorted(OBJECT_PAGES.items())
            if insider == who and name in args and not name.startswith("api:")
        ]
        for url, query in urls:
            response = client.get(url, query)
            if response.status_code != 200:
                continue
            text = response_text(response)
            leaked = sorted(name for name in hidden if name in text)
            assert not leaked, f"{who} reads {leaked} on {url} {query}"
