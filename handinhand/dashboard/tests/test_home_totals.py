"""Issue 14, point 4: the home's work list says how many items there are and links to all of
them when it shows only the first ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from handinhand.dashboard.views import HOME_INBOX_TOP
from handinhand.guidance.tests.conftest import raise_finding

pytestmark = pytest.mark.django_db


def test_the_home_list_shows_its_total_and_links_to_all(cast, client_for):
    for n in range(HOME_INBOX_TOP + 2):
        raise_finding(cast, problem=f"问题 {n}")
    response = client_for(cast.school_user).get(reverse("dashboard:home_work"))
    html = response.content.decode()
    total = response.context["total"]
    assert total >= HOME_INBOX_TOP + 2
    assert f"查看全部（{total}）" in html
    more = html[html.index('id="home-inbox-more"') :]
    assert f"显示前 {HOME_INBOX_TOP} 项，共 {total} 项" in more
    assert reverse("core:inbox") in more


def test_a_short_list_has_no_more_line(cast, client_for):
    raise_finding(cast)
    html = client_for(cast.school_user).get(reverse("dashboard:home_work")).content.decode()
    assert "查看全部（1）" in html and 'id="home-inbox-more"' not in html
