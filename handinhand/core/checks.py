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
