"""Django's makemessages, also extracting `_lazy("...")`: the project imports gettext_lazy as
`_lazy` where `_` is already the plain gettext (DESIGN §7), which xgettext would not know."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
