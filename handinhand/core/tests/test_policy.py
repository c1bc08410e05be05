from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from handinhand.core.policy import get_policy, load_policy, parse_policy

DEFAULT = Path(settings.POLICY_FILE).read_text(encoding="utf-8")


def test_default_policy_has_the_pilot_numbers():
    policy = get_policy()
    assert policy.groups.instructors_per_group == 5
    assert policy.indicators.level_counts == [6, 20, 70]
    assert policy.funding.per_member_per_year == 15000
    assert policy.reports.due_month == 1
    assert {m.kind: (m.period, m.minimum) for m in policy.meetings} == {
        "scheduling": ("semester", 1),
        "joint": ("quarter", 1),
    }
    assert policy.assessment.top_grade == "优秀"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("instructors_per_group = 5", "instructors_per_group = 0", "groups.instructors_per_group"),
        ("level_counts = [6, 20, 70]", "level_counts = [6, 20]", "indicators.level_counts"),
        ("per_member_per_year = 15000", "per_member_per_year = -1", "funding.per_member_per_year"),
        ("due_month = 1", "due_month = 13", "reports.due_month"),
        ('top_grade = "优秀"', 'top_grade = "卓越"', "assessment"),
        ('period = "semester"', 'period = "month"', "meetings.0.period"),
    ],
)
def test_a_broken_policy_names_the_field(old, new, field):
    assert old in DEFAULT
    with pytest.raises(ImproperlyConfigured) as exc:
        parse_policy(DEFAULT.replace(old, new, 1))
    assert field in str(exc.value)


def test_unknown_keys_are_refused():
    with pytest.raises(ImproperlyConfigured, match=r"funding\.per_head"):
        parse_policy(DEFAULT.replace("[funding]", "[funding]\nper_head = 1", 1))


def test_a_gap_between_quarters_stops_start_up():
    text = DEFAULT.replace(
        '{ name = "第二季度", start = "04-01"', '{ name = "第二季度", start = "04-02"'
    )
    with pytest.raises(ImproperlyConfigured, match="quarters leave a gap on 04-01"):
        parse_policy(text)


def test_overlapping_semesters_stop_start_up():
    text = DEFAULT.replace('start = "08-01", end = "01-31"', 'start = "07-15", end = "01-31"')
    with pytest.raises(ImproperlyConfigured, match="semesters leave an overlap on 07-15"):
        parse_policy(text)


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="not valid TOML"):
        parse_policy("version = ")
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        load_policy(tmp_path / "missing.toml")


def test_start_up_stops_on_a_broken_policy_file(tmp_path):
    import os
    import subprocess
    import sys

    broken = tmp_path / "broken.toml"
    broken.write_text(
        DEFAULT.replace("instructors_per_group = 5", "instructors_per_group = -5"), encoding="utf-8"
    )
    env = {**os.environ, "POLICY_FILE": str(broken)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "groups.instructors_per_group" in result.stderr
