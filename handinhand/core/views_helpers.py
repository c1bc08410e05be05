"""Small helpers every app's views use: the object-or-404 access check and the form round
trip through a service (validation errors onto the form, conflicts shown, never lost)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from handinhand.core.exceptions import CONFLICT_MESSAGE, ConflictError, PermissionDeniedError
from handinhand.core.forms import add_service_errors
from handinhand.core.scope import get_scope

M = TypeVar("M", bound=Model)


def access(queryset: QuerySet[M], **lookup: Any) -> M:
    """The object if it is in the user's scope; 404 whether it is missing or forbidden."""
    return get_object_or_404(queryset, **lookup)


def show_conflict(request: HttpRequest) -> None:
    """The one conflict message, for an action that redirects (a form page shows
    core/conflict.html instead, keeping what was typed)."""
    messages.warning(request, str(CONFLICT_MESSAGE))


def require(allowed: bool) -> None:
    """Actions out of a user's reach answer 404 too, so that nothing is revealed."""
    if not allowed:
        raise Http404


def require_business(request: HttpRequest) -> None:
    """The programme's pages belong to the people of the programme; the three separated
    administrators (三员) have their own pages and see none of these."""
    require(get_scope(request.user).is_business)


def form_page(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    save: Callable[[Any], Model] | None = None,
    update: Callable[[dict[str, Any], int | None], Model] | None = None,
    title: str,
    success_message: str,
    back_url: str | None = None,
    template: str = "core/form.html",
    redirect_to: Callable[[Model], str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Validate the form, call the service, and answer the page again with every error.

    `save(data)` creates; `update(data, version)` edits, receiving the form's data without the
    version it was loaded at and that version apart, for the service's optimistic lock.
    """
    if (save is None) == (update is None):
        raise TypeError("form_page takes exactly one of save= and update=")
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            if update is not None:
                data = dict(form.cleaned_data)
                version = data.pop("expected_version", None)
                obj = update(data, version)
            elif save is not None:  # one of the two, checked above
                obj = save(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError:
            conflict = True
        except IntegrityError:
            form.add_error(
                None, _("保存失败：与已有数据冲突（如重复的编码或名称），请检查后重试。")
            )
        except PermissionDeniedError:
            raise Http404 from None
        else:
            messages.success(request, success_message)
            target = redirect_to(obj) if redirect_to else getattr(obj, "get_absolute_url", None)
            return redirect(target() if callable(target) else (target or back_url or "/"))
    context = {
        "form": form,
        "title": title,
        "back_url": back_url,
        "conflict": conflict,
        **(extra or {}),
    }
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render(request, template, context, status=status)
