"""The one format of dates and numbers (core/formats.py, {% load formats %}), in both languages."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.db.models import BLANK_CHOICE_DASH
from django.template import Context, Template
from django.utils import timezone, translation

from handinhand.core import formats

MOMENT = dt.datetime(2026, 11, 30, 5, 9, 7, tzinfo=dt.UTC)  # 13:09:07 in Asia/Shanghai
DAY = dt.date(2026, 11, 30)


def render(source: str, **context: object) -> str:
    return Template("{% load formats %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh-hans", ["2026年11月30日", "2026年11月30日 13:09", "13:09", "2026年11月30日 13:09:07"]),
        ("en", ["30 Nov 2026", "30 Nov 2026 13:09", "13:09", "30 Nov 2026 13:09:07"]),
    ],
)
def test_dates_follow_the_language_in_local_time(lang, expected):
    with translation.override(lang):
        assert [
            formats.day(DAY),
            formats.daytime(MOMENT),
            formats.clock(MOMENT),
            formats.daytime(MOMENT, seconds=True),
        ] == expected
        assert formats.day(MOMENT) == expected[0]  # a moment's day is its local day
        assert formats.clock(dt.time(8, 5)) == "08:05"
        assert render("{{ d|day }}|{{ m|daytime }}|{{ t|clock }}", d=DAY, m=MOMENT, t=MOMENT) == (
            "|".join(expected[:3])
        )


def test_a_day_after_local_midnight_is_the_next_day():
    late = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 December in Shanghai
    with translation.override("zh-hans"):
        assert formats.day(late) == "2026年12月1日"
        assert formats.daytime(timezone.make_naive(late)) == "2026年12月1日 01:00"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_numbers_scores_money_and_percentages(lang):
    with translation.override(lang):
        assert formats.num(1500) == "1,500"
        assert formats.num(12345678) == "12,345,678"
        assert formats.num(Decimal("2.25"), 1) == "2.3"  # half up, not banker's rounding
        assert formats.num(0) == "0"
        assert formats.score(74) == "74.0"  # the pilot's step is 0.5: one decimal
        assert formats.score(Decimal("74.5")) == "74.5"
        assert formats.score(1234.5) == "1,234.5"
        assert formats.money(15000) == "¥15,000.00"
        assert formats.money(Decimal("1234567.005")) == "¥1,234,567.01"
        assert formats.money(-500) == "-¥500.00"
        assert formats.money(Decimal("-0.001")) == "¥0.00"
        assert formats.percent(Decimal("0.375")) == "37.5%"
        assert formats.percent(0.8, 0) == "80%"
        assert render(
            "{{ n|num }} {{ h|num:1 }} {{ s|score }} {{ a|money }} {{ r|percent }}",
            n=1500,
            h=2.5,
            s=74,
            a=Decimal("15000"),
            r=0.5,
        ) == ("1,500 2.5 74.0 ¥15,000.00 50.0%")


def test_score_decimals_follow_the_policy_step(monkeypatch):
    class Indicators:
        score_step = 0.25

    class Policy:
        indicators = Indicators()

    monkeypatch.setattr(formats, "get_policy", lambda: Policy())
    assert formats.score(74.5) == "74.50"
    Indicators.score_step = 1
    assert formats.score(74) == "74.0"  # never fewer than one decimal


def test_nothing_reads_a_dash_in_python_and_blank_in_templates():
    assert [formats.day(None), formats.daytime(""), formats.num(None), formats.money(None)] == [
        "—"
    ] * 4
    assert formats.score(None, empty="") == ""
    page = render('{{ d|day|default:"从未" }}|{{ n|num }}|{{ a|money }}', d=None, n=None, a=None)
    assert page == "从未||—"


def test_what_is_not_a_date_or_number_is_shown_as_it_is():
    assert formats.day("明天") == "明天"
    assert formats.num("n/a") == "n/a"
    assert formats.money("n/a") == "n/a"


@pytest.mark.parametrize(("lang", "label"), [("zh-hans", "请选择"), ("en", "Select…")])
def test_empty_choices_read_choose_in_every_form(lang, label):
    class Form(forms.Form):
        kind = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], required=False)
        typed = forms.TypedChoiceField(choices=[*BLANK_CHOICE_DASH, ("b", "B")])
        other = forms.ChoiceField(choices=[("", "全部"), ("c", "C")])

    with translation.override(lang):
        html = str(Form())
    assert "---------" not in html
    assert html.count(f'<option value="" selected>{label}</option>') == 2
    assert '<option value="" selected>全部</option>' in html


@pytest.mark.django_db
def test_model_choice_fields_read_choose_too():
    from handinhand.orgs.models import Region

    class Form(forms.Form):
        region = forms.ModelChoiceField(queryset=Region.objects.all())

    with translation.override("zh-hans"):
        assert '<option value="" selected>请选择</option>' in str(Form())


@pytest.mark.parametrize(
    ("lang", "moment"), [("zh-hans", "2026年11月30日 13:09"), ("en", "30 Nov 2026 13:09")]
)
def test_a_generic_cell_is_shown_by_its_type(lang, moment):
    with translation.override(lang):
        assert render(
            "{{ a|shown }}|{{ b|shown }}|{{ c|shown }}|{{ d|shown }}|{{ e|shown }}",
            a=12000,
            b=MOMENT,
            c=True,
            d="1500",
            e=None,
        ) == (f"12,000|{moment}|True|1500|None")
