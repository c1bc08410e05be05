"""Notices for tests: published through the service, as in life."""

from __future__ import annotations

from typing import Any

from handinhand.notices import services
from handinhand.notices.audience import Audience
from handinhand.notices.models import Notice


def publish(
    cast: Any, *, by: Any = None, title: str = "关于开展党建指导工作的通知", **audience: Any
) -> Notice:
    """A notice of the province (or `by`) to the audience given (default: every school user
    in scope)."""
    return services.notice_publish(
        actor=by or cast.province_admin,
        title=title,
        body="请各校按要求开展自评。",
        audience=Audience.of(**(audience or {"roles": ["school_user"]})),
    )


def county_notice(cast: Any) -> Notice:
    """湘东区's notice to its school users (the cast's school user)."""
    return publish(cast, by=cast.county_user, title="湘东区通知", roles=["school_user"])
