"""The accounts services: 三员分立, the role rules, and the audit row of every write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from handinhand.accounts import services
from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.core.scope import get_scope
from handinhand.orgs.models import Region

pytestmark = pytest.mark.django_db


def last_event(**lookup):
    return AuditEvent.objects.filter(**lookup).order_by("-id").first()


def make(username="zhangsan", **extra):
    user = User(username=username, full_name="张三", **extra)
    user.set_password("x-unused-Passw0rd")
    user.save()
    return user


# --- 三员分立: who may do what ---------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    ["security_admin", "audit_admin", "province_admin", "instructor", "school_user", "outsider"],
)
def test_only_the_system_admin_creates_and_edits_users(cast, who):
    actor = getattr(cast, who)
    with pytest.raises(PermissionDeniedError):
        services.user_create(
            actor=actor, username="newbie", full_name="新人", password="Hongse-Jiangxi-2025"
        )
    with pytest.raises(PermissionDeniedError):
        services.user_update(
            actor=actor, user=cast.leader, data={"phone": "13800000000"}, expected_version=None
        )
    with pytest.raises(PermissionDeniedError):
        services.password_set(actor=actor, user=cast.leader, password="Hongse-Jiangxi-2025")
    with pytest.raises(PermissionDeniedError):
        services.user_unlock(actor=actor, user=cast.leader)
    assert not User.objects.filter(username="newbie").exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "who",
    ["system_admin", "audit_admin", "province_admin", "instructor", "school_user", "outsider"],
)
def test_only_the_security_admin_grants_and_revokes_roles(cast, who):
    actor = getattr(cast, who)
    with pytest.raises(PermissionDeniedError):
        services.role_assign(actor=actor, user=cast.instructor, role=Role.PROVINCE_ADMIN)
    assignment = RoleAssignment.objects.get(user=cast.city_user)
    with pytest.raises(PermissionDeniedError):
        services.role_revoke(actor=actor, assignment=assignment)
    assert not RoleAssignment.objects.filter(user=cast.instructor).exists()
    assignment.refresh_from_db()
    assert assignment.is_active
    assert not AuditEvent.objects.exists()


def test_only_the_audit_admin_reads_the_log(cast):
    AuditEvent.objects.create(action=AuditAction.LOGIN, actor_name="x")
    for name, user in cast.users().items():
        visible = AuditEvent.objects.visible_to(user).count()
        assert visible == (1 if name == "audit_admin" else 0), name


# --- user_create / user_update / password_set / user_unlock ---------------------------------


def test_user_create_audits_every_field_but_the_password(cast):
    user = services.user_create(
        actor=cast.system_admin,
        username="wangwu",
        full_name="王五",
        password="Hongse-Jiangxi-2025",
        phone="0799-6688123",
        work_unit="萍乡市教育局",
        title="科长",
        email="ww@example.cn",
    )
    assert user.check_password("Hongse-Jiangxi-2025")
    event = last_event(action=AuditAction.CREATE, object_type="accounts.user")
    assert event.actor == cast.system_admin
    assert event.object_id == str(user.pk)
    assert event.changes["username"] == [None, "wangwu"]
    assert event.changes["phone"] == [None, "0799-6688123"]
    assert event.changes["work_unit"] == [None, "萍乡市教育局"]
    assert "password" not in event.changes


def test_user_create_refuses_a_weak_password_in_chinese_and_writes_nothing(cast):
    with pytest.raises(ValidationError) as info:
        services.user_create(
            actor=cast.system_admin, username="weak", full_name="弱密码", password="12345678"
        )
    messages = info.value.message_dict["password"]
    assert "密码长度太短，至少需要 10 个字符。" in messages
    assert "这个密码太常见了。" in messages
    assert not User.objects.filter(username="weak").exists()
    assert not AuditEvent.objects.exists()


def test_user_update_records_old_and_new_and_bumps_the_version(cast):
    person = make(phone="13800000001")
    updated = services.user_update(
        actor=cast.system_admin,
        user=person,
        data={"phone": "13900000002", "title": "书记"},
        expected_version=1,
    )
    assert (updated.phone, updated.title, updated.version) == ("13900000002", "书记", 2)
    event = last_event(action=AuditAction.UPDATE, object_id=str(person.pk))
    assert event.actor == cast.system_admin
    assert event.object_type == "accounts.user"
    assert event.changes == {"phone": ["13800000001", "13900000002"], "title": ["", "书记"]}


def test_user_update_from_a_stale_version_is_a_conflict(cast):
    person = make()
    services.user_update(
        actor=cast.system_admin, user=person, data={"phone": "13800000001"}, expected_version=1
    )
    with pytest.raises(ConflictError):
        services.user_update(
            actor=cast.system_admin, user=person, data={"phone": "13800000009"}, expected_version=1
        )
    person.refresh_from_db()
    assert person.phone == "13800000001"
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == 1


def test_user_update_refuses_unknown_fields_and_deactivating_oneself(cast):
    with pytest.raises(ValueError):
        services.user_update(
            actor=cast.system_admin,
            user=cast.instructor,
            data={"is_superuser": True},
            expected_version=None,
        )
    with pytest.raises(ValidationError) as info:
        services.user_update(
            actor=cast.system_admin,
            user=cast.system_admin,
            data={"is_active": False},
            expected_version=None,
        )
    assert info.value.message_dict["is_active"] == ["不能停用自己的账号"]
    cast.system_admin.refresh_from_db()
    assert cast.system_admin.is_active


def test_password_reset_by_the_system_admin_unlocks_and_masks_the_audit(cast):
    locked_until = timezone.now() + timedelta(minutes=10)
    User.objects.filter(pk=cast.instructor.pk).update(failed_logins=5, locked_until=locked_until)
    person = User.objects.get(pk=cast.instructor.pk)
    services.password_set(actor=cast.system_admin, user=person, password="Hongse-Jiangxi-2025")
    person.refresh_from_db()
    assert person.check_password("Hongse-Jiangxi-2025")
    assert (person.failed_logins, person.locked_until) == (0, None)
    event = last_event(action=AuditAction.UPDATE, object_id=str(person.pk))
    assert event.actor == cast.system_admin
    assert event.changes == {
        "password": ["******", "******"],
        "failed_logins": [5, 0],
        "locked_until": [locked_until.isoformat(), None],
    }


def test_user_unlock_clears_the_lock_and_audits_it(cast):
    locked_until = timezone.now() + timedelta(minutes=10)
    User.objects.filter(pk=cast.leader.pk).update(failed_logins=5, locked_until=locked_until)
    person = services.user_unlock(actor=cast.system_admin, user=cast.leader)
    assert (person.failed_logins, person.locked_until) == (0, None)
    event = last_event(action=AuditAction.UPDATE, object_id=str(cast.leader.pk))
    assert event.changes == {
        "failed_logins": [5, 0],
        "locked_until": [locked_until.isoformat(), None],
    }
    # Nothing to unlock: nothing written.
    services.user_unlock(actor=cast.system_admin, user=cast.leader)
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == 1


# --- role_assign / role_revoke ----------------------------------------------------------------


@pytest.mark.parametrize("admin_role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_an_admin_role_is_refused_to_anyone_holding_another_role(cast, admin_role):
    for person in (cast.province_admin, cast.city_user, cast.school_user, cast.instructor):
        with pytest.raises(ValidationError) as info:
            services.role_assign(actor=cast.security_admin, user=person, role=admin_role)
        assert "三员分立" in info.value.message_dict["role"][0]
    # …and to another separated administrator.
    other = cast.audit_admin if admin_role != Role.AUDIT_ADMIN else cast.system_admin
    with pytest.raises(ValidationError):
        services.role_assign(actor=cast.security_admin, user=other, role=admin_role)
    assert (
        not RoleAssignment.objects.filter(role=admin_role)
        .exclude(user__username=admin_role)
        .exists()
    )
    assert not AuditEvent.objects.exists()


def test_an_admin_cannot_be_given_a_business_role(cast):
    with pytest.raises(ValidationError) as info:
        services.role_assign(
            actor=cast.security_admin, user=cast.system_admin, role=Role.PROVINCE_ADMIN
        )
    assert info.value.message_dict["role"] == ["三员分立：该用户已是管理员，不得兼任其他角色"]
    with pytest.raises(ValidationError):
        services.role_assign(
            actor=cast.security_admin,
            user=cast.audit_admin,
            role=Role.REGION_STAFF,
            region=Region.objects.get(code="360300"),
        )
    assert get_scope(cast.system_admin).roles == {Role.SYSTEM_ADMIN}


def test_the_security_admin_cannot_grant_to_themself(cast):
    with pytest.raises(ValidationError) as info:
        services.role_assign(
            actor=cast.security_admin, user=cast.security_admin, role=Role.SECURITY_ADMIN
        )
    assert info.value.message_dict["user"] == ["不能给自己授权"]
    own = RoleAssignment.objects.get(user=cast.security_admin)
    with pytest.raises(ValidationError):
        services.role_revoke(actor=cast.security_admin, assignment=own)
    own.refresh_from_db()
    assert own.is_active


def test_grant_a_region_role_audits_it_and_widens_the_scope(cast):
    person = make()
    assert not get_scope(person).is_business
    assignment = services.role_assign(
        actor=cast.security_admin,
        user=person,
        role=Role.REGION_STAFF,
        region=Region.objects.get(code="360300"),
    )
    assert assignment.is_active
    event = last_event(action=AuditAction.CREATE, object_type="accounts.roleassignment")
    assert event.actor == cast.security_admin
    assert event.changes["role"] == [None, "市县教育部门用户"]
    assert event.changes["region"] == [None, "萍乡市 (#360300)"]
    assert event.changes["user"] == [None, f"张三 (#{person.pk})"]
    assert get_scope(person).staff_paths


def test_grant_checks_the_anchor_of_the_role(cast):
    person = make()
    with pytest.raises(ValidationError) as info:
        services.role_assign(actor=cast.security_admin, user=person, role=Role.REGION_STAFF)
    assert "region" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.role_assign(actor=cast.security_admin, user=person, role=Role.SCHOOL_USER)
    assert "school" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.role_assign(
            actor=cast.security_admin,
            user=person,
            role=Role.REGION_STAFF,
            region=Region.objects.get(code="360000"),
        )
    with pytest.raises(ValidationError):
        services.role_assign(
            actor=cast.security_admin, user=person, role=Role.PROVINCE_ADMIN, school=cast.school
        )
    assert not RoleAssignment.objects.filter(user=person).exists()


def test_revoke_then_grant_again_reactivates_the_same_row(cast):
    assignment = RoleAssignment.objects.get(user=cast.county_user)
    services.role_revoke(actor=cast.security_admin, assignment=assignment)
    assignment.refresh_from_db()
    assert not assignment.is_active
    revoked = last_event(action=AuditAction.UPDATE, object_type="accounts.roleassignment")
    assert revoked.changes == {"is_active": [True, False]}
    assert not get_scope(User.objects.get(pk=cast.county_user.pk)).is_business

    again = services.role_assign(
        actor=cast.security_admin,
        user=cast.county_user,
        role=Role.REGION_STAFF,
        region=assignment.region,
    )
    assert again.pk == assignment.pk
    assert again.is_active
    regranted = last_event(action=AuditAction.UPDATE, object_type="accounts.roleassignment")
    assert regranted.changes == {"is_active": [False, True]}
    with pytest.raises(ValidationError) as info:
        services.role_assign(
            actor=cast.security_admin,
            user=cast.county_user,
            role=Role.REGION_STAFF,
            region=assignment.region,
        )
    assert info.value.message_dict["role"] == ["该用户已拥有此角色"]


def test_a_revoked_admin_role_no_longer_blocks_other_roles(cast):
    own = RoleAssignment.objects.get(user=cast.audit_admin)
    services.role_revoke(actor=cast.security_admin, assignment=own)
    services.role_assign(actor=cast.security_admin, user=cast.audit_admin, role=Role.PROVINCE_ADMIN)
    assert get_scope(User.objects.get(pk=cast.audit_admin.pk)).everything


def test_system_admin_cannot_take_over_the_other_administrators(cast):
    """三员分立: no password reset, edit or unlock of the security or audit administrator."""
    from handinhand.accounts import services
    from handinhand.core.exceptions import PermissionDeniedError
    from handinhand.core.models import AuditEvent

    before = AuditEvent.objects.count()
    for target in (cast.audit_admin, cast.security_admin):
        with pytest.raises(PermissionDeniedError):
            services.password_set(actor=cast.system_admin, user=target, password="Xx-new-Pass-2025")
        with pytest.raises(PermissionDeniedError):
            services.user_update(
                actor=cast.system_admin,
                user=target,
                data={"is_active": False},
                expected_version=None,
            )
        with pytest.raises(PermissionDeniedError):
            services.user_unlock(actor=cast.system_admin, user=target)
    assert AuditEvent.objects.count() == before
    cast.audit_admin.refresh_from_db()
    assert cast.audit_admin.check_password("Cast-Passw0rd!") and cast.audit_admin.is_active
    # Their own password they still change themselves.
    services.password_set(
        actor=cast.audit_admin, user=cast.audit_admin, password="Xx-new-Pass-2025"
    )
