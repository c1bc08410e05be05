"""The audit log pages, for the audit administrator alone (三员分立): the system and security
administrators, whose actions the log records, cannot read it; everyone else gets 404."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.core import audit_chain, formats
from handinhand.core.forms import StyledFormMixin, choice_field
from handinhand.core.listing import Column, FilterForm, ListSpec, render_list
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.core.scope import get_scope
from handinhand.core.users import AnyUser
from handinhand.core.views_helpers import access, require

# Keys some events keep in `changes` that are no model field.
EXTRA_LABELS = {
    "reason": _lazy("原因"),
    "filters": _lazy("导出条件"),
}


def _project_models() -> list[type[Model]]:
    return [
        m
        for m in apps.get_models()
        # The audit log's own type stays: exporting the log is itself an event to find.
        if m.__module__.startswith("handinhand.")
    ]


def model_for(object_type: str) -> type[Model] | None:
    """The model an event's object_type names ("orgs.school"), or None for other names."""
    if "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = model_for(object_type)
    return str(model._meta.verbose_name) if model else object_type


def field_label(model: type[Model] | None, name: str) -> str:
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        except FieldDoesNotExist:
            pass
    return str(EXTRA_LABELS.get(name, name))


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def change_rows(event: AuditEvent) -> list[dict[str, str]]:
    """field → old → new, labelled with the model's verbose names where the type is known."""
    model = model_for(event.object_type)
    rows = []
    changes = event.changes if isinstance(event.changes, dict) else {"": event.changes}
    for name, pair in changes.items():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            old, new = pair
        else:
            old, new = None, pair
        rows.append(
            {"name": name, "label": field_label(model, name), "old": _show(old), "new": _show(new)}
        )
    return rows


class AuditFilterForm(StyledFormMixin, FilterForm):
    date_from = forms.DateField(
        label=_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    actor = forms.CharField(label=_lazy("操作人账号"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_lazy("操作"), required=False, choices=[("", _lazy("全部")), *AuditAction.choices]
    )
    object_type = forms.ChoiceField(label=_lazy("对象类型"), required=False)
    ip = forms.GenericIPAddressField(label=_lazy("IP 地址"), required=False)
    # Filled from an event's page ("all events of this object"); uses the object index.
    object_id = forms.CharField(label=_lazy("对象编号"), required=False, max_length=64)

    def __init__(self, *args: Any, user: AnyUser | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        types = sorted(
            ((m._meta.label_lower, str(m._meta.verbose_name)) for m in _project_models()),
            key=lambda item: item[0],
        )
        object_type = choice_field(self, "object_type")
        object_type.choices = [("", _("全部")), *types]
        self.fields["q"].label = _("对象")
        self.fields["q"].widget.attrs["placeholder"] = _("对象名称")

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        # Whole local days: "to 1 March" includes everything that happened on 1 March.
        if data.get("date_from"):
            qs = qs.filter(at__gte=dt.datetime.combine(data["date_from"], dt.time.min, zone))
        if data.get("date_to"):
            end = data["date_to"] + dt.timedelta(days=1)
            qs = qs.filter(at__lt=dt.datetime.combine(end, dt.time.min, zone))
        if data.get("actor"):
            name = data["actor"].strip()
            qs = qs.filter(Q(actor_name=name) | Q(actor__username=name))
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"])
        if data.get("ip"):
            qs = qs.filter(ip=data["ip"])
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"].strip())
        return qs


class LocalTimeColumn(Column):
    def value(self, obj: Any) -> Any:
        return formats.daytime(obj.at, seconds=True)


class ObjectTypeColumn(Column):
    def value(self, obj: Any) -> Any:
        return object_type_label(obj.object_type) if obj.object_type else ""


class ChangesColumn(Column):
    def value(self, obj: Any) -> Any:
        return json.dumps(obj.changes, ensure_ascii=False) if obj.changes else ""


def events_for_list(user: AnyUser) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.visible_to(user).select_related("actor")


AUDIT_LIST = ListSpec(
    title=_lazy("审计日志"),
    queryset=events_for_list,
    columns=[
        LocalTimeColumn("at", _lazy("时间"), sort="at", link=True),
        Column("actor_name", _lazy("操作人账号"), sort="actor_name"),
        Column("actor.full_name", _lazy("操作人姓名")),
        Column("action", _lazy("操作"), sort="action"),
        ObjectTypeColumn("object_type", _lazy("对象类型"), sort="object_type"),
        Column("object_id", _lazy("对象编号"), export_only=True),
        Column("object_repr", _lazy("对象")),
        Column("ip", _lazy("IP 地址"), sort="ip"),
        ChangesColumn("changes", _lazy("变更内容"), export_only=True),
    ],
    search_fields=["object_repr"],
    default_sort="-at",
    filter_form=AuditFilterForm,
    detail_url="core:audit_detail",
    export_name="core.auditevent",
)


CHAIN_CACHE_KEY = "core:audit-chain-status"
CHAIN_CACHE_SECONDS = 300


def chain_status() -> audit_chain.ChainStatus:
    """The hash chain's state, walked by a streaming iterator (flat memory for millions of
    events) and kept for five minutes, so that paging through the log does not walk it again;
    `manage.py verify_audit` always walks it afresh."""
    head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    key = (
        f"{CHAIN_CACHE_KEY}:{head[0]}-{head[1]}" if head else CHAIN_CACHE_KEY
    )  # a new event is a new key: walked again at once
    cache = caches["local"]
    status = cache.get(key)
    if not isinstance(status, audit_chain.ChainStatus):
        status = audit_chain.verify(AuditEvent.objects.all())
        cache.set(key, status, CHAIN_CACHE_SECONDS)
    return status


def chain_notice(status: audit_chain.ChainStatus) -> dict[str, str]:
    if status.ok or status.broken is None:
        return {
            "level": "success",
            "text": _("审计链完整：已校验 %(n)s 条事件（%(alg)s）。")
            % {"n": formats.num(status.checked), "alg": status.algorithm},
        }
    return {
        "level": "danger",
        "text": _("审计链断裂：第一个断点为事件 #%(id)s（%(reason)s），其前 %(n)s 条校验通过。")
        % {"id": status.broken.event_id, "reason": status.broken.reason, "n": status.checked},
        "url": reverse("core:audit_detail", args=[status.broken.event_id]),
        "link": _("查看该事件"),
    }


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require(get_scope(request.user).can_read_audit)
    # The fragment (htmx) and the export do not show the notice: no walk for them.
    if getattr(request, "htmx", False) or request.GET.get("export"):
        return render_list(request, AUDIT_LIST)
    return render_list(request, AUDIT_LIST, {"notice": chain_notice(chain_status())})


@login_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(get_scope(request.user).can_read_audit)
    event = access(AuditEvent.objects.visible_to(request.user).select_related("actor"), pk=pk)
    history = ""
    if event.object_type and event.object_id:
        query = {"object_type": event.object_type, "object_id": event.object_id}
        history = "?" + urlencode(query)
    return render(
        request,
        "core/audit_detail.html",
        {
            "event": event,
            "history_query": history,
            "object_type_label": object_type_label(event.object_type),
            "rows": change_rows(event),
        },
    )
