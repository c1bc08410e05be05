"""Searchable pickers for regions and schools (issue 15 item 1).

A `<select>` of every region the user sees is 3,411 options on the nation workload (206 KB of
HTML on each school list page) and 220,000 for schools. A picker is a text box whose
suggestions (a `<datalist>`, at most PICK_LIMIT) come from an htmx request as the user types:
the page carries only the chosen value. The submitted text starts with the object's key
("360313 萍乡市湘东区", "1234 某某小学"), so a bare key in a link (`?county=360313`) works too;
the field still checks the key against its queryset (the user's scope), as a select would.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from handinhand.orgs.models import Region, RegionLevel, School

PICK_LIMIT = 20


def region_label(region: Region) -> str:
    return f"{region.code} {region.full_name}"


def school_label(school: School) -> str:
    return f"{school.pk} {school.name}"


def _key(value: Any) -> str:
    """The key at the start of a picked text: "360313 萍乡市湘东区" → "360313"."""
    if value is None:
        return ""
    return str(value).strip().split(" ", 1)[0]


class PickerWidget(forms.TextInput):
    """A text box with an htmx-filled `<datalist>`. `source` is the suggestion endpoint's URL
    name, `params` its fixed query (the level, which list)."""

    template_name = "orgs/widgets/picker.html"

    def __init__(
        self, *, source: str, params: str = "", label: Any = None, attrs: Any = None
    ) -> None:
        super().__init__(attrs)
        self.source, self.params, self.label = source, params, label

    def format_value(self, value: Any) -> str | None:
        key = _key(value)
        if not key:
            return None
        if self.label is not None and str(value).strip() == key:
            # A bare key (from a link or the initial value): shown with its name.
            return str(self.label(key) or key)
        return str(value)

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> Any:
        # The project's templates (Django's form renderer looks only in django/forms).
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 (a template)

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"].setdefault("autocomplete", "off")
        widget["attrs"].setdefault("placeholder", str(_("输入名称或代码搜索")))
        widget["list_id"] = f"{widget['attrs'].get('id', name)}-options"
        widget["url"] = f"{reverse(self.source)}?name={name}&{self.params}"
        return context


class RegionPickField(forms.ModelChoiceField[Region]):
    """A region chosen by typing (see module doc); `level` narrows the suggestions."""

    def __init__(self, *, level: str = "", which: str = "visible", **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Region.objects.none())
        super().__init__(**kwargs)
        self.widget = PickerWidget(
            source="orgs:region_pick",
            params=f"level={level}&which={which}",
            label=self._label_for,
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        # Each form copies its fields; the copy's widget must name it by the copy's queryset.
        result = super().__deepcopy__(memo)
        result.widget.label = result._label_for
        return result

    def _label_for(self, key: str) -> str | None:
        if self.queryset is None:
            return None
        region = self.queryset.select_related("parent").filter(pk=key).first()
        return region_label(region) if region else None

    def to_python(self, value: Any) -> Region | None:
        return super().to_python(_key(value) or None)

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, Region) else value

    def label_from_instance(self, obj: Region) -> str:
        return obj.full_name


class SchoolPickField(forms.ModelChoiceField[School]):
    """A school chosen by typing its name (see module doc)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", School.objects.none())
        super().__init__(**kwargs)
        self.widget = PickerWidget(source="orgs:school_pick", label=self._label_for)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = super().__deepcopy__(memo)
        result.widget.label = result._label_for
        return result

    def _label_for(self, key: str) -> str | None:
        if not key.isdigit() or self.queryset is None:
            return None
        school = self.queryset.filter(pk=key).first()
        return school_label(school) if school else None

    def to_python(self, value: Any) -> School | None:
        return super().to_python(_key(value) or None)

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, School) else value


def region_suggestions(regions: QuerySet[Region], text: str, level: str) -> list[Region]:
    """At most PICK_LIMIT regions of `regions` whose name, parent's name or code matches."""
    if level in RegionLevel.values:
        regions = regions.filter(level=level)
    text = text.strip()
    if text:
        key = _key(text)
        regions = regions.filter(
            Q(name__icontains=text) | Q(parent__name__icontains=text) | Q(code__startswith=key)
        )
    return list(regions.select_related("parent").order_by("code")[:PICK_LIMIT])


def school_suggestions(schools: QuerySet[School], text: str) -> list[School]:
    text = text.strip()
    if not text:
        return []
    key = _key(text)
    query = Q(name__icontains=text)
    if key.isdigit():
        query |= Q(pk=int(key))
    return list(schools.filter(query).order_by("name", "pk")[:PICK_LIMIT])
