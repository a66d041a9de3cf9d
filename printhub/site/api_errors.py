"""Error bodies the API's operations share (documented in the OpenAPI schema)."""

from __future__ import annotations

from ninja import Schema


class FieldError(Schema):
    """One problem django-ninja found in a request's fields (a 422 before the view runs)."""

    type: str
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    """What went wrong: a sentence, sentences, or the request's field errors."""

    detail: str | list[str] | list[FieldError]
