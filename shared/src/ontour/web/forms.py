"""Forms that keep what the user typed and show Dutch errors per field.

A form handler::

    form = await FormState.from_request(request, lists=["topics"])
    try:
        data = MyForm.model_validate(dict(form.values))
    except ValidationError as exc:
        form = form.with_errors(exc, labels)  # {"name": "Naam", ...}
        return pages.render(request, "intake/new.html", {"form": form}, status_code=422)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

from fastapi import Request
from pydantic_core.core_schema import ErrorType
from starlette.datastructures import FormData

from ontour.i18n import N_, kit_gettext
from ontour.web.problems import DUTCH_REASONS, Problem

FormErrors = dict[str, str]

# Field locations that are not part of a field's name.
_LOCATION_PARTS = {"body", "query", "path", "header", "cookie", "form"}


def field_id(name: str) -> str:
    """The HTML id of a field (error summary links point at it)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _field_name(location: Iterable[Any]) -> str:
    parts = [str(part) for part in location]
    while parts and parts[0] in _LOCATION_PARTS:
        parts.pop(0)
    return ".".join(parts)


_PYDANTIC_TYPES = frozenset(get_args(ErrorType))


def _reason(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "value_error":
        # ``raise ValueError("ligt in de toekomst")`` in a validator: the service's Dutch.
        ctx = error.get("ctx") or {}
        return str(ctx.get("error", "")) or "is ongeldig"
    if kind not in _PYDANTIC_TYPES:
        # A ``PydanticCustomError`` of the service: its message is Dutch.
        return str(error.get("msg") or "is ongeldig")
    if error.get("input", None) in ("", None, [], ()):
        # An empty form field is "missing" to the user, whatever the type says.
        return DUTCH_REASONS["missing"]
    return DUTCH_REASONS.get(kind, "is ongeldig")


def form_errors(
    source: Any,
    labels: Mapping[str, str] | None = None,
    *,
    gettext: Callable[[str], str] | None = None,
) -> FormErrors:
    """``{field name: Dutch message}`` for a form, from what validation said.

    ``source`` is a pydantic ``ValidationError`` / FastAPI ``RequestValidationError`` (anything
    with ``.errors()``), or the ``invalidParams`` list of a problem+json (``{name, reason}``).
    ``labels`` maps field names to the labels the user sees; the message is then
    "<label> <reason>", e.g. "Naam is verplicht". A reason that starts with a capital is a
    whole sentence and is used as it is. Only the first error of each field is kept, in the
    order validation reported them.
    """
    translate = gettext or kit_gettext
    labels = labels or {}
    pairs: list[tuple[str, str]] = []
    if hasattr(source, "errors") and callable(source.errors):
        for error in source.errors():
            pairs.append((_field_name(error.get("loc", ())), _reason(error)))
    else:
        for param in source:
            pairs.append((str(param.get("name", "")), str(param.get("reason", ""))))
    errors: FormErrors = {}
    for name, reason in pairs:
        if name in errors:
            continue
        reason = reason.strip() or "is ongeldig"
        if reason[0].isupper():
            errors[name] = reason
        else:
            label = (
                labels.get(name) or labels.get(name.split(".")[0]) or translate(N_("This field"))
            )
            errors[name] = f"{label} {reason}"
    return errors


def form_values(form: FormData | Mapping[str, Any], lists: Iterable[str] = ()) -> dict[str, Any]:
    """A submitted form as a plain dict, without the CSRF token.

    Names in ``lists`` (checkbox groups) are always lists, also with one or no value;
    other repeated names become lists too. Uploaded files are left out.
    """
    as_list = set(lists)
    values: dict[str, Any] = {name: [] for name in as_list}
    if isinstance(form, FormData):
        for key in form:
            items = [v for v in form.getlist(key) if isinstance(v, str)]
            if key in as_list or len(items) > 1:
                values[key] = items
            else:
                values[key] = items[0] if items else ""
    else:
        for key, value in form.items():
            if key in as_list and not isinstance(value, list):
                value = [] if value in ("", None) else [value]
            values[key] = value
    values.pop("csrf_token", None)
    return values


@dataclass
class FormState:
    """What a form shows: the values the user typed and the errors per field.

    Pass it to the macros of ``ui/forms.html`` as ``form=``; they show each field's value
    and error, so a form keeps what the user typed when validation fails.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    async def from_request(cls, request: Request, lists: Iterable[str] = ()) -> FormState:
        """The submitted values of a POSTed form (``lists``: the checkbox groups)."""
        return cls(values=form_values(await request.form(), lists))

    def with_errors(self, source: Any, labels: Mapping[str, str] | None = None) -> FormState:
        """The same values with the errors of a ``ValidationError`` or ``invalidParams``."""
        return FormState(self.values, form_errors(source, labels))

    def with_field_errors(self, source: Any, labels: Mapping[str, str] | None = None) -> FormState:
        """As :meth:`with_errors`, for a form whose list is typed in one field ("nl, en"):
        an error in one item ("languages.1") marks that field ("languages")."""
        errors: dict[str, str] = {}
        for name, message in form_errors(source, labels).items():
            errors.setdefault(name.split(".")[0], message)
        return FormState(self.values, errors)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def value(self, name: str, default: Any = "") -> Any:
        value = self.values.get(name, default)
        return "" if value is None else value

    def selected(self, name: str) -> list[str]:
        """The values of a multi-value field (checkboxes), always as a list of strings."""
        value = self.values.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list | tuple | set | frozenset):
            return [str(v) for v in value]
        return [str(value)]

    def words(self, name: str) -> list[str]:
        """A list typed in one text field, separated by commas or spaces ("nl, en")."""
        return str(self.value(name)).replace(",", " ").split()

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def version(self) -> int:
        """The hidden ``version`` a change form carries (optimistic concurrency); a form
        without a readable one is refused with a Dutch 422."""
        try:
            return int(str(self.value("version")))
        except ValueError:
            raise Problem(
                422, "De versie van het formulier ontbreekt; laad de pagina opnieuw."
            ) from None
