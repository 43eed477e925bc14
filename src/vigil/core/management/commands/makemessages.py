"""Django's makemessages, told that Vigil's views mark lazy strings as ``_lazy(...)``
(``gettext_lazy as _lazy``), so that those strings reach the catalogs too."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
