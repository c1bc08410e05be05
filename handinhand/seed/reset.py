"""`manage.py seed --reset`: empty the database for a new seed (development only)."""

from __future__ import annotations

from django.apps import apps
from django.db import connection, models, transaction

from handinhand.core.models import AuditEvent
from handinhand.core.policy import get_policy
from handinhand.orgs.models import Region, RegionLevel
from handinhand.orgs.regions import read_regions


class ResetRefused(Exception):
    pass


# Tables that keep their rows on reset: the append-only audit log, the region tree of the
# migration (synthetic regions are removed separately), and Django's own catalogues.
_KEEP = {
    "core.auditevent",
    "orgs.region",
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
}


def reset() -> dict[str, int]:
    """Delete every row the seed (or anyone) wrote, except the audit log and the migration's
    regions. Refused once a person has acted: their audit events keep their accounts."""
    if AuditEvent.objects.filter(actor__isnull=False).exists():
        raise ResetRefused(
            "审计日志中已有用户的操作记录（审计事件只增不删，其操作人不能删除），不能重置。"
            "开发环境请删除数据库（SQLite 文件或 PostgreSQL 库）后重新 migrate 再 seed。"
        )
    targets = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.label_lower not in _KEEP and not m._meta.proxy and m._meta.managed
    ]
    deleted: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        qn = connection.ops.quote_name
        for model in _delete_order(targets):
            # The table name is a model's own, quoted; nothing here comes from a user.
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608
            if cursor.rowcount:
                deleted[model._meta.label] = cursor.rowcount
        jiangxi = {r["code"] for r in read_regions()}
        # The deploying province's tree (manage.py load_regions) stays too: schools of a real
        # deployment point at it, and it is not seed data.
        home = get_policy().province_code
        for level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
            n = (
                Region.objects.filter(level=level)
                .exclude(code__in=jiangxi)
                .exclude(path__startswith=f"{home}/")
                ._raw_delete(connection.alias)
            )
            if n:
                deleted[f"orgs.Region ({level})"] = n
    return deleted


def _delete_order(targets: list[type[models.Model]]) -> list[type[models.Model]]:
    """Referencing tables before the tables they reference."""
    inside = set(targets)
    order: list[type[models.Model]] = []
    seen: set[type[models.Model]] = set()

    def visit(model: type[models.Model]) -> None:
        if model in seen:
            return
        seen.add(model)
        for other in targets:  # everything that points at `model` goes first
            if other is model:
                continue
            if any(
                f.is_relation and f.many_to_one and f.related_model is model
                for f in other._meta.concrete_fields
            ):
                visit(other)
        order.append(model)

    for model in sorted(inside, key=lambda m: m._meta.label):
        visit(model)
    return order
