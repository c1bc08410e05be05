"""The English locale (issue 14 point 8): every msgid translated, and the main pages free of
Chinese in English apart from the data people entered."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from handinhand.core import locale
from handinhand.orgs.models import Region, School, University
from handinhand.programme.models import Batch, District, GuidanceGroup

ROOT = Path(settings.BASE_DIR) / "handinhand"
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
IDEOGRAPH = re.compile(r"[\u3400-\u9fff]+")
FULLWIDTH = re.compile(r"[（）：；]")


def test_every_msgid_has_an_english_translation():
    gaps = locale.gaps()
    assert not gaps, "run `make messages` and translate:\n" + "\n".join(
        f"{gap.why}: {gap.msgid}" for gap in gaps[:30]
    )


def test_gaps_are_found(tmp_path, settings):
    """The check above would see an untranslated, a fuzzy and a broken entry."""
    (tmp_path / "en" / "LC_MESSAGES").mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="未译", msgstr=""))
    po.append(polib.POEntry(msgid="模糊", msgstr="Fuzzy", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="共 %(n)s 条", msgstr="%(m)s in all", flags=["python-format"]))
    po.append(polib.POEntry(msgid="好", msgstr="Good"))
    po.save(str(tmp_path / "en" / "LC_MESSAGES" / "django.po"))
    settings.LOCALE_PATHS = [tmp_path]
    assert sorted((gap.msgid, gap.why) for gap in locale.gaps()) == [
        ("共 %(n)s 条", "placeholders"),
        ("未译", "untranslated"),
        ("模糊", "fuzzy"),
    ]
    assert locale.compile_all() and (tmp_path / "en" / "LC_MESSAGES" / "django.mo").exists()
    assert not locale.compile_all()  # up to date: not written again


def _template_msgids() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'\{% translate "([^"]+)"(?! context)', text))
    return found


def _python_msgids() -> set[str]:
    names = {"_", "_lazy", "gettext", "gettext_lazy", "gettext_noop"}
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in names
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_the_catalogue_holds_every_text_of_the_code():
    """A text added without `make messages` would stay Chinese on English pages."""
    msgids = {entry.msgid for entry in polib.pofile(str(CATALOGUE))}
    missing = sorted((_template_msgids() | _python_msgids()) - msgids)
    assert not missing, "run `make messages` and translate:\n" + "\n".join(missing[:30])


# --- English pages ---------------------------------------------------------------------------


def _data_words() -> list[str]:
    """What people entered (names of people, places, schools, groups): shown as entered."""
    from handinhand.accounts.models import User

    words: set[str] = {"简体中文"}  # the language switch names Chinese in Chinese, on purpose
    for user in User.objects.all():
        words.update([user.full_name, user.username])
    for region in Region.objects.all():
        words.update([region.name, region.full_name])
    for rows in [
        School.objects.values_list("name", "principal", "secretary"),
        University.objects.values_list("name", "short_name"),
        GuidanceGroup.objects.values_list("name"),
        Batch.objects.values_list("name"),
        District.objects.values_list("name"),
    ]:
        for row in rows:
            words.update(w for w in row if w)
    return sorted((w for w in words if w), key=len, reverse=True)


def chinese_left(html: str, data: list[str]) -> list[str]:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    for word in data:
        text = text.replace(word, " ")
    return sorted(set(IDEOGRAPH.findall(text)) | set(FULLWIDTH.findall(text)))


PAGES = {
    "instructor": [
        "dashboard:home",
        "guidance:workbench",
        "core:inbox",
        "guidance:visit_list",
        "guidance:finding_list",
        "meetings:meeting_list",
        "training:session_list",
        "notices:list",
        "incentives:my_history",
    ],
    "province_admin": [
        "dashboard:home",
        "programme:batch_list",
        "programme:coverage",
        "indicators:framework_list",
        "indicators:cycle_list",
        "research:call_list",
        "incentives:year_list",
        "reports:report_list",
    ],
    "school_user": ["dashboard:home"],
    "system_admin": ["accounts:user_list", "core:job_console"],
    "audit_admin": ["core:audit_list"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(PAGES))
def test_main_pages_in_english_have_no_chinese_of_their_own(cast, client, who):
    user = getattr(cast, who)
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    data = _data_words()
    for name in PAGES[who]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Content-Language"] == "en"
        html = response.content.decode()
        assert '<html lang="en">' in html
        assert chinese_left(html, data) == [], name


@pytest.mark.django_db
def test_login_and_error_pages_in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login = client.get(reverse("accounts:login")).content.decode()
    assert "Log in" in login and "Hand in Hand" in login
    assert chinese_left(login, ["简体中文"]) == []
    settings.DEBUG = False
    missing = client.get("/no-such-page/").content.decode()
    assert "Page not found (404)" in missing
    assert chinese_left(missing, []) == []


# --- no Chinese outside the catalogue ---------------------------------------------------------


def _outside_translation(text: str) -> str:
    for pattern in [
        r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}",
        r"\{%\s*translate\s+(\"[^\"]*\"|'[^']*').*?%\}",
        r"_\((\"[^\"]*\"|'[^']*')\)",
        r"\{#.*?#\}",
        r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}",
    ]:
        # Keep the newlines of what is removed, so that line numbers stay right.
        text = re.sub(pattern, lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return text


def test_templates_have_no_chinese_outside_translate_tags():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}"
        for path in sorted(ROOT.rglob("*.html"))
        for number, line in enumerate(
            _outside_translation(path.read_text(encoding="utf-8")).splitlines(), 1
        )
        if IDEOGRAPH.search(line)
    ]
    assert not found, "wrap in {% translate %} / {% blocktranslate %}:\n" + "\n".join(found)


def test_scripts_have_no_chinese_outside_comments():
    """Words a script shows come with the page's data (json_script), already translated."""
    found = []
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(encoding="utf-8"), flags=re.S)
        found += [f"{path.name}: {word}" for word in IDEOGRAPH.findall(code)]
    assert not found, found


# --- the daily digest ---------------------------------------------------------------------------


def _owed(user, today):
    from django.utils.translation import gettext

    from handinhand.core.inbox import WorkItem

    due = today + dt.timedelta(days=3)
    return [WorkItem(source="test.i18n", key="1", title=gettext("提交自评"), url="/x/", due=due)]


@pytest.mark.django_db
def test_the_daily_digest_reads_in_each_persons_language(cast, settings, mailoutbox):
    from handinhand.core.inbox import WorkSource, register_work, work_sources
    from handinhand.core.reminders import digests_send

    settings.REMINDER_EMAIL = True
    register_work(WorkSource(name="test.i18n", label="测试", items=_owed))
    try:
        for user, language in [(cast.school_user, "en"), (cast.county_user, "")]:
            user.email, user.language = f"{user.username}@example.cn", language
            user.save()
        digests_send(dt.date(2025, 3, 18), user_ids=[cast.school_user.pk, cast.county_user.pk])
    finally:
        work_sources._items.pop("test.i18n", None)
    mails = {mail.to[0].split("@")[0]: mail for mail in mailoutbox}
    english, chinese = mails["school_user"], mails["county_user"]
    assert english.subject == "[Hand in Hand] Today's to-do reminder"
    assert "Submit self-assessment" in english.body and "21 Mar 2025 3 days left" in english.body
    assert "提交自评" in chinese.body and "2025年3月21日 剩 3 天" in chinese.body
