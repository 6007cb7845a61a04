"""What every service's API shares: the caller, the field cipher, versions, paging, files.

Optimistic concurrency the same way everywhere: a change names the version it was based on
(``If-Match: "3"`` or a ``version`` field), a stale one gets 409 and one without gets 428.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from ontour.audit import Caller
from ontour.auth.access import require
from ontour.auth.principal import Principal, Role
from ontour.crypto import FieldCipher
from ontour.web.caller import caller_of
from ontour.web.problems import Problem

MAX_PER_PAGE = 100
# Printable text only: a NUL byte cannot even reach PostgreSQL, so it is invalid input (422).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
# Not in an e-mail address: control characters (C0 and C1), "@" outside its place, and
# whitespace, spelled out: "\s" means other characters to Python (U+0085, U+001C..U+001F)
# than to the ECMAScript dialect of the OpenAPI document (U+FEFF), so the schema and the
# check would disagree.
_NOT_IN_EMAIL = r"[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
EMAIL = rf"^{_NOT_IN_EMAIL}+@{_NOT_IN_EMAIL}+\.{_NOT_IN_EMAIL}+$"
PHONE = r"^\+?[0-9][0-9 ()-]{5,19}$"
# A sign-in subject (a teamlid's id) in a path or query.
SubjectId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE)]


def _iso_date(value: Any) -> Any:
    if type(value) is date or (
        isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
    ):
        return value
    raise PydanticCustomError("date_parsing", "Input should be a date as YYYY-MM-DD")


# A date in a query: YYYY-MM-DD only. Plain `date` also takes a number as a Unix time, so
# `?van=0` would silently mean 1970-01-01.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class Link(BaseModel):
    href: str = Field(description="Adres van de pagina.")


class PaginaLinks(BaseModel):
    """Links naar deze en aangrenzende pagina's."""

    self: Link = Field(description="Deze pagina.")
    first: Link = Field(description="De eerste pagina.")
    last: Link = Field(description="De laatste pagina.")
    prev: Link | None = Field(default=None, description="De vorige pagina, als die er is.")
    next: Link | None = Field(default=None, description="De volgende pagina, als die er is.")


def get_cipher(request: Request) -> FieldCipher:
    """The service's field cipher, built once from its settings."""
    state = request.app.state
    cipher: FieldCipher | None = getattr(state, "field_cipher", None)
    if cipher is None:
        cipher = FieldCipher.from_settings(state.runtime.settings)
        state.field_cipher = cipher
    return cipher


def get_principal(request: Request) -> Principal:
    return require(getattr(request.state, "user", None), True)


def get_caller(request: Request) -> Caller:
    """Who calls, for the audit record of the use case they start (signed in or not)."""
    return caller_of(request)


CipherDep = Annotated[FieldCipher, Depends(get_cipher)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
CallerDep = Annotated[Caller, Depends(get_caller)]
Pagina = Annotated[int, Query(ge=1, le=10_000, description="Paginanummer (vanaf 1).")]
PerPagina = Annotated[
    int, Query(alias="perPagina", ge=1, le=MAX_PER_PAGE, description="Aantal per pagina.")
]
Formaat = Annotated[
    str | None,
    Query(
        pattern=r"^(csv|xlsx)$",
        description="Download als csv of xlsx (of vraag text/csv of xlsx aan met Accept).",
    ),
]
# An entity tag as RFC 9110 writes it; ours are the entity's version number.
# Caddy's `encode` marks the ETag of a response it compressed with the encoding ("3-gzip",
# RFC 9110 §8.8.3: a different representation), and a client sends that back as it got it.
ETAG_PATTERN = r'^(W/)?"[0-9]+(-(gzip|zstd|br))?"$'
IfMatch = Annotated[
    str | None,
    Header(
        pattern=ETAG_PATTERN,
        description='De versie waarop de wijziging is gebaseerd, als ETag: "3" (of W/"3", of '
        '"3-gzip" na compressie), zoals de ETag van het ophalen. Zonder If-Match (en zonder '
        "version) volgt 428; "
        "is de versie niet meer de huidige, dan volgt 409 met de huidige in ETag.",
    ),
    # A header is absent or a string, never null (which `str | None` would document).
    WithJsonSchema({"type": "string", "pattern": ETAG_PATTERN}),
]
# Where If-Match is the only place for the version: required, and its absence still answered
# with 428 (ontour.web.problems).
RequiredIfMatch = Annotated[
    str,
    Header(
        pattern=ETAG_PATTERN,
        description='De versie waarop de wijziging is gebaseerd, als ETag: "3" (of W/"3", of '
        '"3-gzip" na compressie), zoals de ETag van het ophalen. Zonder If-Match volgt 428; is '
        "de versie niet meer de "
        "huidige, dan volgt 409 met de huidige in ETag.",
    ),
]


def is_coordinator(principal: Principal) -> bool:
    return principal.has(Role.COORDINATOR)


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None, body_version: int | None = None) -> int:
    """The version the caller based the change on: ``If-Match`` or the body's ``version``.

    Without either a change is refused with 428: a blind overwrite is what this prevents.
    """
    if if_match is not None:  # its format is checked with the request (ETAG_PATTERN)
        return int(if_match.removeprefix("W/").strip('"').split("-")[0])
    if body_version is not None:
        return body_version
    raise Problem(
        428,
        "Geef de versie mee waarop de wijziging is gebaseerd (If-Match of version), "
        "zodat niemands wijziging ongemerkt wordt overschreven.",
    )


def conflict(current: int) -> Problem:
    return Problem(
        409,
        f"Iemand anders heeft dit intussen gewijzigd (nu versie {current}). "
        "Haal de nieuwe versie op en breng uw wijziging opnieuw aan.",
        headers={"ETag": etag(current)},
    )


def window(export: object, page: int, per_page: int) -> tuple[int, int | None]:
    """Offset and limit of a list: one page, or everything when it is exported as a file."""
    return (0, None) if export else ((page - 1) * per_page, per_page)


def page_links(request: Request, page: int, per_page: int, total: int) -> PaginaLinks:
    last = max(1, -(-total // per_page))

    def link(number: int) -> Link:
        url = request.url.include_query_params(pagina=number)
        return Link(href=f"{url.path}?{url.query}")

    return PaginaLinks(
        self=link(page),
        first=link(1),
        last=link(last),
        prev=link(page - 1) if page > 1 else None,
        next=link(page + 1) if page < last else None,
    )
