from handinhand.core.scope import get_scope
from handinhand.orgs.models import School


def test_cast_scopes(cast):
    assert set(School.objects.visible_to(cast.province_admin)) == set(School.objects.all())
    assert set(School.objects.visible_to(cast.city_user)) == {cast.school, cast.school_anyuan}
    assert set(School.objects.visible_to(cast.county_user)) == {cast.school}
    assert set(School.objects.visible_to(cast.school_user)) == {cast.school}
    assert set(School.objects.visible_to(cast.instructor)) == {cast.school, cast.school_anyuan}
    assert set(School.objects.visible_to(cast.instructor_ecjtu)) == {cast.school_xinyu}
    assert set(School.objects.visible_to(cast.outsider)) == {cast.school_nanchang}
    assert not School.objects.visible_to(cast.audit_admin).exists()
    assert get_scope(cast.audit_admin).can_read_audit
