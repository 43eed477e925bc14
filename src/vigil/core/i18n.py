"""Messages written once and read in each recipient's language.

A notification or an e-mail is composed while someone's request is being served, in that
person's language, but it is read by people who may have chosen others. So a service hands
over its text untranslated: a lazy string, or a ``Msg`` (a lazy string and its parameters).
Whoever sends it renders it once for each language its recipients read, under
``translation.override``. A plain ``str`` is text a person typed (a comment, a broadcast), and
goes out as it was written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise


class Msg:
    """A translatable text with its %-parameters, rendered in the active language on demand.
    A parameter may itself be a lazy string, a Msg or a function, and is rendered in the same
    language; any other value is formatted as it is (so ``%(n)d`` keeps its number)."""

    __slots__ = ("params", "text")

    def __init__(self, text: str | Promise, /, **params: Any) -> None:
        self.text = text
        self.params = params

    def __str__(self) -> str:
        return render(self)

    def __repr__(self) -> str:
        return f"Msg({self.text!r}, **{self.params!r})"


# What a service may hand over for later rendering: typed text, a lazy string, a Msg, or a
# function that returns the text in the active language.
Text: TypeAlias = str | Promise | Msg | Callable[[], str]


def _value(value: Any) -> Any:
    if isinstance(value, Msg | Promise) or callable(value):
        return render(value)
    return value


def render(text: Text, language: str | None = None) -> str:
    """The text in ``language``, or in the active language when none is named."""
    if language is not None:
        with translation.override(language):
            return render(text)
    if isinstance(text, Msg):
        template = str(text.text)
        if not text.params:
            return template
        return template % {name: _value(value) for name, value in text.params.items()}
    if isinstance(text, str | Promise):
        return str(text)
    return str(text())


def is_spoken(language: str | None) -> bool:
    """Whether ``language`` is one of the codes Vigil is translated into (settings.LANGUAGES)."""
    return language in {code for code, _name in settings.LANGUAGES}


def language_or_default(*choices: str | None, default: str | None = None) -> str:
    """The first of ``choices`` that Vigil speaks, else ``default``, else the site's language.

    Callers pass the choices in their order of authority: the account's own choice, then the
    language on the staff record (for people without an account, or who have chosen none)."""
    for choice in (*choices, default):
        if is_spoken(choice):
            return str(choice)
    return str(settings.LANGUAGE_CODE)
