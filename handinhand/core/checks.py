"""System checks of core: `manage.py check --deploy` warns about the audit key."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register

from handinhand.core import audit_chain


@register(Tags.security, deploy=True)
def audit_key_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if audit_chain.key_source() != "development":
        return []
    return [
        Warning(
            "Neither AUDIT_HMAC_KEY nor a production SECRET_KEY is set: the audit log's hash "
            "chain uses the development key, "
            "with which anyone could recompute it.",
            hint="Set AUDIT_HMAC_KEY in the environment to a long random value, kept outside "
            "the database.",
            id="handinhand.W001",
        )
    ]


@register()
def locale_compiled_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """English pages would silently fall back to Chinese without the compiled catalogue."""
    from handinhand.core import locale

    stale = [
        po
        for po in locale.catalogues()
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if not stale:
        return []
    return [
        Warning(
            f"The locale catalogue {stale[0]} is not compiled or older than its .po: English "
            "pages will show Chinese.",
            hint="Run `manage.py compile_locale` (make locale) after installing or updating.",
            id="handinhand.W002",
        )
    ]
