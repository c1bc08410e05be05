"""One list page for every model: filters, search, sorting, pagination, htmx and .xlsx export.

An app describes its list with a `ListSpec` (columns, search fields, filter form, queryset
from its selector); `render_list` does the rest, so no list behaviour is written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from handinhand.core import formats
from handinhand.core.exports import export_list
from handinhand.core.policy_text import policy_text
from handinhand.core.users import AnyUser

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    StrOrPromise = str

PAGE_SIZES = (20, 50, 100)


@dataclass(frozen=True)
class Column:
    key: str  # attribute path, e.g. "county.parent.name"; a callable name is called
    label: StrOrPromise
    sort: str | None = None  # ORDER BY expression when the column is sortable
    link: bool = False  # links to the row's detail page
    export_only: bool = False
    list_only: bool = False
    # For exports read from values() rows (core.exports): the column's values for a chunk of
    # rows at once, batch(user, pks) → {pk: value}, in one query; a column without it is read
    # from `key` as a field path ("county.parent.name" → county__parent__name).
    batch: Callable[[Any, Sequence[Any]], dict[Any, Any]] | None = None
    policy_word: bool = False  # a word of the policy file (visit form, category): translated
    # How the page shows the value (core/formats.py: "score", "money", "num"); an export
    # keeps the raw number so that the spreadsheet can add it up.
    shown_as: str = ""

    def shown(self, obj: Any) -> Any:
        value = self.value(obj)
        if self.shown_as and value not in (None, ""):
            return getattr(formats, self.shown_as)(value)
        return value

    def value(self, obj: Any) -> Any:
        value: Any = obj
        for part in self.key.split("."):
            if value is None:
                return ""
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part, "")
            if callable(value) and not isinstance(value, Model):
                value = value()
        if self.policy_word and isinstance(value, str):
            return policy_text(value)
        return "" if value is None else value


class FilterForm(forms.Form):
    """Base of list filters: subclasses add fields and say how each narrows the queryset."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)

    def __init__(self, *args: Any, user: AnyUser | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def filter(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs


@dataclass
class ListSpec:
    title: StrOrPromise
    queryset: Callable[[Any], QuerySet[Any]]  # user -> visible, select_related queryset
    columns: Sequence[Column]
    search_fields: Sequence[str]
    default_sort: str
    filter_form: type[FilterForm] = FilterForm
    detail_url: str | None = None  # URL name taking the pk
    create_url: str | None = None
    can_create: Callable[[Any], bool] = field(default=lambda user: False)
    export_name: str = "export"
    extra_actions: Sequence[tuple[str, str]] = ()  # (url, label) shown above the table
    template: str = "core/list.html"
    # Where the spec is found again by a background export ("module.NAME"): set on lists that
    # can exceed EXPORT_INLINE_ROWS, whose export then runs as a job (core.exports).
    job_path: str = ""


def apply_search(qs: QuerySet[Any], fields: Sequence[str], text: str) -> QuerySet[Any]:
    text = text.strip()
    if not text or not fields:
        return qs
    query = Q()
    for name in fields:
        query |= Q(**{f"{name}__icontains": text})
    return qs.filter(query)


def filtered_queryset(
    request: HttpRequest, spec: ListSpec
) -> tuple[QuerySet[Any], FilterForm, str]:
    return query_for(spec, request.user, request.GET)


def query_for(spec: ListSpec, user: Any, data: QueryDict) -> tuple[QuerySet[Any], FilterForm, str]:
    """The list's rows for `user` under the filters, search and sort in `data` (a request's GET,
    or the one a background export recorded)."""
    form = spec.filter_form(data or None, user=user)
    qs = spec.queryset(user)
    if form.is_bound and form.is_valid():
        qs = form.filter(qs)
        qs = apply_search(qs, spec.search_fields, form.cleaned_data.get("q") or "")
    sort_keys = {c.key: c.sort for c in spec.columns if c.sort}
    requested = data.get("sort", "")
    key = requested.lstrip("-")
    order = sort_keys.get(key)
    if order:
        sort = requested
        desc = requested.startswith("-")
        qs = qs.order_by(("-" if desc else "") + order, "pk")
    else:
        sort = ""
        qs = qs.order_by(spec.default_sort, "pk")
    return qs, form, sort


def render_list(
    request: HttpRequest, spec: ListSpec, extra_context: dict[str, Any] | None = None
) -> HttpResponse:
    qs, form, sort = filtered_queryset(request, spec)
    if request.GET.get("export") == "xlsx":
        return export_list(request, spec, qs)
    try:
        per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    if per_page not in PAGE_SIZES:
        per_page = PAGE_SIZES[0]
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    columns = [c for c in spec.columns if not c.export_only]
    rows = [
        {
            "cells": [c.shown(obj) for c in columns],
            "url": reverse(spec.detail_url, args=[obj.pk]) if spec.detail_url else None,
        }
        for obj in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "spec": spec,
        "form": form,
        "page": page,
        "rows": rows,
        "columns": columns,
        "sort": sort,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "can_create": spec.create_url and spec.can_create(request.user),
        **(extra_context or {}),
    }
    template = spec.template
    if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        template = f"{template}#results"
    return render(request, template, context)
