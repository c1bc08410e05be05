"""Issue 15 item 1: region and school pickers instead of option lists, scoped like the lists."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse


def options(response: Any) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', response.content.decode())


def test_school_list_renders_no_region_options(cast: Any, client_for: Any) -> None:
    response = client_for(cast.province_admin).get(reverse("orgs:school_list"))
    html = response.content.decode()
    assert response.status_code == 200
    # The region filters are pickers: the page carries no list of every city and county.
    assert 'list="id_city-options"' in html and 'list="id_county-options"' in html
    assert "萍乡市湘东区</option>" not in html


def test_region_picker_suggests_only_regions_in_scope(cast: Any, client_for: Any) -> None:
    url = reverse("orgs:region_pick")
    client = client_for(cast.instructor)  # paired with 萍乡市
    found = options(client.get(url, {"name": "county", "level": "county", "county": "区"}))
    assert found and all(v.split(" ")[1].startswith("萍乡市") for v in found)
    assert options(client.get(url, {"name": "county", "level": "county", "county": "东湖"})) == []

    admin = client_for(cast.province_admin)
    found = options(admin.get(url, {"name": "county", "level": "county", "county": "东湖"}))
    assert found == ["360102 南昌市东湖区"]


def test_region_picker_for_outsider_sees_nothing_of_pingxiang(cast: Any, client_for: Any) -> None:
    url = reverse("orgs:region_pick")
    client = client_for(cast.outsider)  # 南昌市 education bureau
    assert options(client.get(url, {"name": "city", "level": "city", "city": "萍乡"})) == []


def test_school_picker_is_scoped(cast: Any, client_for: Any) -> None:
    url = reverse("orgs:school_pick")
    name = cast.school_nanchang.name
    assert options(client_for(cast.instructor).get(url, {"name": "s", "s": name})) == []
    found = options(client_for(cast.province_admin).get(url, {"name": "s", "s": name}))
    assert f"{cast.school_nanchang.pk} {name}" in found


def test_filter_takes_a_picked_value_or_a_bare_code(cast: Any, client_for: Any) -> None:
    client = client_for(cast.province_admin)
    for value in ("360313 萍乡市湘东区", "360313"):
        response = client.get(reverse("orgs:school_list"), {"county": value})
        html = response.content.decode()
        assert cast.school.name in html and cast.school_nanchang.name not in html
        assert 'value="360313 萍乡市湘东区"' in html  # shown with its name


def test_filter_refuses_a_region_outside_scope(cast: Any, client_for: Any) -> None:
    response = client_for(cast.instructor).get(reverse("orgs:school_list"), {"county": "360102"})
    assert "选择一个有效的选项" in response.content.decode() or response.status_code == 200
    assert cast.school_nanchang.name not in response.content.decode()
