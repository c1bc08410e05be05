"""One fixed cast of users for the whole suite (DESIGN §7).

`cast` builds the pilot's structure on a real database and returns the people who use it:
the province admin, an instructor of each pilot group, a group leader, a city user (萍乡市), a
county user (湘东区), a school user (a school in 湘东区), an outsider (the bureau of 南昌市,
which the pilot does not pair) and the three separated administrators.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from handinhand.accounts.models import Role, User
from handinhand.accounts.tests.factories import PASSWORD as PASSWORD  # tests import it from here
from handinhand.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from handinhand.orgs.models import PartyOrgForm, Region, School, SchoolType, University
from handinhand.orgs.regions import load_regions
from handinhand.orgs.tests.factories import SchoolFactory, UniversityFactory
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    District,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
)
from handinhand.programme.pilot import PILOT_BATCH_NAME, PILOT_PAIRS
from handinhand.programme.tests.factories import (
    BatchFactory,
    DistrictFactory,
    DistrictSchoolFactory,
    GroupFactory,
    MembershipFactory,
    PairingFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in tests

# The suite talks plain http (test client, the live server the browser tests drive): the
# explicit relaxation INSECURE_DEV=true stands for, set here because pytest-django has loaded
# the settings before this file runs. test_deploy_settings checks the secure defaults.
settings.SECURE_SSL_REDIRECT = False
settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
settings.SECURE_HSTS_SECONDS = 0


@dataclass
class Cast:
    province_admin: User
    instructor: User  # 南昌大学 group, paired with 萍乡市, assigned to district 湘东片区
    instructor_ecjtu: User  # 华东交通大学 group, paired with 新余市
    instructor_jxufe: User  # 江西财经大学 group, paired with 鹰潭市
    leader: User  # leader of the 南昌大学 group
    city_user: User  # 萍乡市 education bureau
    county_user: User  # 湘东区 education bureau
    school_user: User  # 湘东区 first school
    outsider: User  # 南昌市 education bureau: unpaired, nothing in common with the pilot
    system_admin: User
    security_admin: User
    audit_admin: User
    batch: Batch
    groups: dict[str, GuidanceGroup]
    universities: dict[str, University]
    school: School  # in 湘东区 (萍乡市), the school user's school, in district 湘东片区
    school_anyuan: School  # in 安源区 (萍乡市), in no district
    school_xinyu: School  # in 渝水区 (新余市)
    school_yingtan: School  # in 月湖区 (鹰潭市)
    school_nanchang: School  # in 东湖区 (南昌市), out of every pilot scope
    district: District
    membership: Membership  # the instructor's membership in the 南昌大学 group

    def users(self) -> dict[str, User]:
        return {name: value for name, value in self.__dict__.items() if isinstance(value, User)}


def make_school(county_code: str, name: str, **extra: Any) -> School:
    """A school in that county (a primary school with a branch unless `extra` says otherwise)."""
    return SchoolFactory.create(county_id=county_code, name=name, **extra)


def make_user(username: str, full_name: str) -> User:
    """A person who signs in with PASSWORD; the cast is not forced to change it at first
    login (a real new account is)."""
    return UserFactory.create(username=username, full_name=full_name, must_change_password=False)


# The second factor of the cast's administrators (TOTP, issue 9): one fixed key, so that a test
# (or a browser test's login helper) can compute the current code with cast_otp_token().
CAST_OTP_KEY = "3132333435363738393031323334353637383930"


def enrol_second_factor(user: User) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="cast", key=CAST_OTP_KEY, confirmed=True)
    return device


def cast_otp_token(user: User) -> str:
    """The code the cast's authenticator shows now."""
    from django_otp.oath import totp

    device = enrol_second_factor(user)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def verify_second_factor(client: Any, user: User) -> None:
    """What passing the code page does to a session, for a test client already logged in."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrol_second_factor(user).persistent_id
    session.save()


def pass_second_factor_in_browser(page: Any, username: str) -> None:
    """After the password in a browser test: an administrator types the code, as in life."""
    page.wait_for_load_state("networkidle")
    if "/accounts/otp/" in page.url:
        page.fill("input[name=token]", cast_otp_token(User.objects.get(username=username)))
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch: Any) -> Any:
    """client.force_login stands for a completed login: the password and, for the roles that
    need one (settings.OTP_REQUIRED_ROLES), the second factor too. Done while the session is
    being built, so that it costs the test's query count nothing for everyone else."""
    from django.contrib.auth.signals import user_logged_in
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    forcing: list[bool] = []
    original = Client.force_login

    def force_login(self: Any, user: Any, backend: str | None = None) -> None:
        forcing.append(True)
        try:
            original(self, user, backend)
        finally:
            forcing.pop()

    def verified(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        # The middleware asks only whether the session passed the code page; marking every
        # forced login (without looking up a device) keeps the pinned query counts as they were.
        if forcing:
            request.session[DEVICE_ID_SESSION_KEY] = "forced-login-in-tests"

    monkeypatch.setattr(Client, "force_login", force_login)
    user_logged_in.connect(verified, dispatch_uid="test-force-login-otp")
    yield
    user_logged_in.disconnect(dispatch_uid="test-force-login-otp")


def build_cast() -> Cast:
    # A transactional test (live server) flushes every table afterwards, the migrated regions
    # too; put them back so that the next one finds the province.
    load_regions(Region)
    region = Region.objects.get
    batch = BatchFactory.create(
        number=1, name=PILOT_BATCH_NAME, start_year=2024, status=BatchStatus.ACTIVE
    )
    universities: dict[str, University] = {}
    groups: dict[str, GuidanceGroup] = {}
    for pair in PILOT_PAIRS:
        universities[pair.slug] = UniversityFactory.create(
            name=pair.university, short_name=pair.short_name, code=pair.code, city_id=pair.city_code
        )
        groups[pair.slug] = GroupFactory.create(
            name=f"{pair.university}党建指导组",
            level=GroupLevel.PROVINCE,
            region_id="360000",
            lead_university=universities[pair.slug],
            batch=batch,
        )
        PairingFactory.create(batch=batch, group=groups[pair.slug], region_id=pair.paired_city)

    def member(user: User, slug: str, role: str) -> Membership:
        return MembershipFactory.create(group=groups[slug], user=user, role=role)

    instructor = make_user("instructor", "李指导")
    leader = make_user("leader", "王组长")
    instructor_ecjtu = make_user("instructor_ecjtu", "赵指导")
    instructor_jxufe = make_user("instructor_jxufe", "钱指导")
    membership = member(instructor, "ncu", MemberRole.INSTRUCTOR)
    member(leader, "ncu", MemberRole.LEADER)
    member(instructor_ecjtu, "ecjtu", MemberRole.INSTRUCTOR)
    member(instructor_jxufe, "jxufe", MemberRole.INSTRUCTOR)

    school = make_school("360313", "湘东区第一小学")
    school_anyuan = make_school(
        "360302",
        "安源区实验中学",
        school_type=SchoolType.JUNIOR,
        party_org_form=PartyOrgForm.GENERAL_BRANCH,
    )
    school_xinyu = make_school("360502", "新余市渝水区第二小学")
    school_yingtan = make_school("360602", "鹰潭市月湖区第三小学")
    school_nanchang = make_school("360102", "南昌市东湖区育才学校")

    district = DistrictFactory.create(group=groups["ncu"], batch=batch, name="湘东片区")
    district.instructors.add(membership)
    DistrictSchoolFactory.create(district=district, school=school, batch=batch)

    def with_role(user: User, role: str, **anchor: Any) -> User:
        RoleAssignmentFactory.create(user=user, role=role, **anchor)
        if role in settings.OTP_REQUIRED_ROLES:
            enrol_second_factor(user)
        return user

    return Cast(
        province_admin=with_role(make_user("province_admin", "省工委管理员"), Role.PROVINCE_ADMIN),
        instructor=instructor,
        instructor_ecjtu=instructor_ecjtu,
        instructor_jxufe=instructor_jxufe,
        leader=leader,
        city_user=with_role(
            make_user("city_user", "萍乡市教育局"), Role.REGION_STAFF, region=region(code="360300")
        ),
        county_user=with_role(
            make_user("county_user", "湘东区教育局"),
            Role.REGION_STAFF,
            region=region(code="360313"),
        ),
        school_user=with_role(
            make_user("school_user", "湘东一小书记"), Role.SCHOOL_USER, school=school
        ),
        outsider=with_role(
            make_user("outsider", "南昌市教育局"), Role.REGION_STAFF, region=region(code="360100")
        ),
        system_admin=with_role(make_user("system_admin", "系统管理员"), Role.SYSTEM_ADMIN),
        security_admin=with_role(make_user("security_admin", "安全管理员"), Role.SECURITY_ADMIN),
        audit_admin=with_role(make_user("audit_admin", "审计管理员"), Role.AUDIT_ADMIN),
        batch=batch,
        groups=groups,
        universities=universities,
        school=school,
        school_anyuan=school_anyuan,
        school_xinyu=school_xinyu,
        school_yingtan=school_yingtan,
        school_nanchang=school_nanchang,
        district=district,
        membership=membership,
    )


@pytest.fixture
def cast(db: Any) -> Cast:
    return build_cast()


@pytest.fixture
def client_for(client: Any) -> Any:
    """client_for(user) logs the test client in as that member of the cast."""

    def login(user: User) -> Any:
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session", autouse=True)
def _compiled_locale() -> None:
    """The English catalogue compiled from its .po (as `make locale` does), so that a bare
    `pytest` run tests the translations of the working tree."""
    from handinhand.core.locale import compile_all

    compile_all()


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Any:
    """A request in English leaves English active in the thread (Django activates per request
    and never resets); the next test starts in the default Chinese again."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The cast sets a dozen passwords per test; the real PBKDF2 would dominate the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Browser tests need Debian's Chromium; a developer without it may skip them, CI may not.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"),
        reason="Debian chromium is not installed (apt-get install -y chromium)",
    ),
]


@pytest.fixture
def browser_page() -> Any:
    """A page in Debian's headless Chromium (never a downloaded browser), in Chinese."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        finally:
            browser.close()
            # ORM calls made while Playwright's loop ran used their own connections; close
            # them here, or PostgreSQL refuses to drop the test database at the end.
            connections.close_all()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    # Uploads made by tests (evidence, attachments, materials) never land in the work tree.
    settings.MEDIA_ROOT = tmp_path / "media"


def _flush_past_the_audit_trigger() -> None:
    """Transactional tests (the browser ones) empty every table afterwards with TRUNCATE, which
    the audit log's statement trigger refuses (core/migrations/0004). Between tests, and only
    here, the flush lifts that trigger for its own statement: the suite runs as the tables'
    owner (Makefile test-postgres), who may."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    if getattr(original, "_lifts_audit_trigger", False):
        return
    table, trigger = "core_auditevent", "core_auditevent_no_truncate"

    def sql_flush(self: Any, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements = original(self, style, tables, **kwargs)
        if table not in tables or not statements:
            return statements
        return [
            f"ALTER TABLE {table} DISABLE TRIGGER {trigger}",
            *statements,
            f"ALTER TABLE {table} ENABLE TRIGGER {trigger}",
        ]

    sql_flush._lifts_audit_trigger = True  # type: ignore[attr-defined]
    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


_flush_past_the_audit_trigger()


@pytest.fixture(autouse=True)
def _fresh_login_counters() -> None:
    # The database cache rolls back with each test; Redis (REDIS_URL) outlives it, so that
    # login counters and IP throttles would leak from one test into the next.
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache):
        cache.clear()
    # Scopes kept in this process's memory (core.scope) must not outlive the test whose rows
    # they were computed from: ids are reused once a test's rows are rolled back.
    from django.core.cache import caches

    caches["local"].clear()
