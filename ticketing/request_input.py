"""What every request's input goes through before a view or the API reads it: strings without the characters no
database or workbook takes (``validation.clean_text``), path parts that cannot hold them, and ids no wider than the
database's integers. One bad character in a field (a NUL pasted with the text, Word's line break, a lone surrogate
in JSON) was a 500 on saving, searching or signing in; now it is simply not there."""
from __future__ import annotations

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from ticketing.services.validation import clean_data, clean_text

LARGEST_ID = 2**31 - 1  # PostgreSQL's integer: a larger id in an address matches no route (404), not a 500


class CleanedParameters(ImmutableMultiDict):
    """Query string and form fields, their text cleaned (uploaded files pass as they are)."""

    def __init__(self, mapping=None):
        if mapping is not None and not hasattr(mapping, "keys"):
            mapping = [(clean_text(key), clean_text(value) if isinstance(value, str) else value)
                       for key, value in mapping]
        super().__init__(mapping)


class CleanedRequest(Request):
    parameter_storage_class = CleanedParameters

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        return clean_data(super().get_json(force=force, silent=silent, cache=cache))


class PathText(UnicodeConverter):
    """A path part (a ticket number, a code, a month) without control characters; with one, no route matches."""

    def to_python(self, value: str) -> str:
        if clean_text(value) != value:
            raise ValidationError()
        return value


class PathId(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def install(app: Flask) -> None:
    """Before any route is added: the converters are read when a rule is compiled."""
    app.request_class = CleanedRequest
    app.url_map.converters.update(default=PathText, string=PathText, int=PathId)
