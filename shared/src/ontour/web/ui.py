"""The shared, Dutch, accessible UI kit: templates, catalogues, filters, navigation, forms.

A service creates one :class:`PageRenderer` and renders its pages with it::

    pages = PageRenderer("intake", templates=HERE / "templates", locale=HERE / "locale")
    router = APIRouter()  # one of the service's page_routers, mounted at /intake

    @router.get("/")
    async def home(request: Request) -> HTMLResponse:
        return pages.render(request, "intake/home.html", {"rows": rows})

The kit's assets are served at ``/<service>/static/`` (:func:`mount_static`, or
:func:`static_router` among the page routers). Templates extend ``ui/base.html`` and import
the macros of ``ui/forms.html`` and ``ui/components.html``; ``ui/voorbeeld.html`` shows them
all. A form handler keeps what the user typed::

    form = await FormState.from_request(request, lists=["topics"])
    try:
        data = MyForm.model_validate(dict(form.values))
    except ValidationError as exc:
        form = form.with_errors(exc, labels)  # {"name": "Naam", ...}
        return pages.render(request, "intake/new.html", {"form": form}, status_code=422)

Message ids are English (the language of the code); the Dutch text
comes from the service's Babel catalogue (``locale/nl/LC_MESSAGES/messages.po``), which is
compiled in memory at start-up, with the kit's own catalogue as fallback. No build step.

Nothing here needs JavaScript in the browser, and every asset is served by the product.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol, get_args
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field, ValidationError
from pydantic_core.core_schema import ErrorType
from starlette.datastructures import FormData
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ontour.web.problems import DUTCH_REASONS, Problem

HERE = Path(__file__).parent
SHARED_TEMPLATES = HERE / "templates"
SHARED_LOCALE = HERE / "locale"
STATIC_DIR = HERE / "static"

LOCALE = "nl_NL"
CATALOGUE_LOCALE = "nl"
TIMEZONE = ZoneInfo("Europe/Amsterdam")
PRODUCT_NAME = "On Tour · Ondersteuningsteam Weerbaar Bestuur"
CONTACT_EMAIL = "ot@weerbaarbestuur.nl"


def N_(message: str) -> str:
    """Mark a message id for extraction; it is translated where it is shown."""
    return message


#: The roles of the product, in the order their navigation is merged.
ROLES = ("coordinator", "teamlid", "ministerie", "beheerder")

#: The services that have pages, with their (English) message id.
SERVICES: tuple[tuple[str, str], ...] = (
    ("intake", N_("Intake")),
    ("scheduling", N_("Scheduling")),
    ("aftercare", N_("Aftercare")),
    ("reporting", N_("Reporting")),
)

# Field locations that are not part of a field's name.
_LOCATION_PARTS = {"body", "query", "path", "header", "cookie", "form"}


ROLE_LABELS: dict[str, str] = {
    "coordinator": N_("Coordinator"),
    "teamlid": N_("Team member"),
    "ministerie": N_("Ministry of the Interior (BZK)"),
    "beheerder": N_("Administrator"),
}


class UserLike(Protocol):
    """What the kit needs of ``request.state.user`` (set by the front door's session)."""

    display_name: str
    roles: frozenset[str]


# --------------------------------------------------------------------------- catalogues


def compile_catalogue(po_file: Path, locale: str = CATALOGUE_LOCALE) -> Translations:
    """Compile a ``.po`` file in memory into :class:`babel.support.Translations`.

    Fuzzy and untranslated entries are left out, so their English id shows (and the
    catalogue test fails).
    """
    with po_file.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def catalogue_path(locale_dir: Path, locale: str = CATALOGUE_LOCALE) -> Path:
    return locale_dir / locale / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=1)
def shared_translations() -> Translations:
    """The kit's own Dutch catalogue (``ontour/web/locale``)."""
    return compile_catalogue(catalogue_path(SHARED_LOCALE))


def load_translations(locale_dir: Path | None) -> Translations:
    """A service's catalogue with the kit's catalogue as fallback (or just the kit's)."""
    if locale_dir is None:
        return shared_translations()
    translations = compile_catalogue(catalogue_path(locale_dir))
    translations.add_fallback(shared_translations())
    return translations


def _kit_gettext(message: str) -> str:
    return str(shared_translations().gettext(message))


def extract_messages(
    templates: Path | None = None, python: Iterable[Path] = ()
) -> dict[str, list[str]]:
    """Every message id used in ``templates`` (``*.html``) and in the python files.

    Returns ``{msgid: [locations]}``; python files are searched for ``_``, ``gettext``,
    ``ngettext`` and ``N_``.
    """
    found: dict[str, list[str]] = {}

    def add(msgid: str | tuple[str, ...], where: str) -> None:
        # A plural message is catalogued under its singular id.
        key = msgid if isinstance(msgid, str) else msgid[0]
        if key:
            found.setdefault(key, []).append(where)

    if templates is not None:
        method_map = [("**.html", "jinja2.ext:babel_extract")]
        options = {"**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
        for filename, lineno, msgid, *_ in extract_from_dir(
            str(templates), method_map, options, keywords=_KEYWORDS
        ):
            add(msgid, f"{filename}:{lineno}")
    for path in python:
        for lineno, msgid, *_ in extract_from_file("python", str(path), keywords=_KEYWORDS):
            add(msgid, f"{path.name}:{lineno}")
    return found


_KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
}


def untranslated_messages(
    locale_dir: Path, templates: Path | None = None, python: Iterable[Path] = ()
) -> dict[str, list[str]]:
    """Message ids used in the templates/python files that have no Dutch text in the catalogue.

    A service tests its catalogue with
    ``assert not untranslated_messages(LOCALE, TEMPLATES, [Path(pages.__file__)])``.
    The kit's own catalogue counts as translated for the service (it is the fallback).
    """
    with catalogue_path(locale_dir).open("rb") as fh:
        catalog: Catalog = read_po(fh, locale=CATALOGUE_LOCALE)
    kit: Catalog | None = None
    if locale_dir != SHARED_LOCALE:
        with catalogue_path(SHARED_LOCALE).open("rb") as fh:
            kit = read_po(fh, locale=CATALOGUE_LOCALE)

    def translated(cat: Catalog | None, msgid: str) -> bool:
        if cat is None:
            return False
        message = cat.get(msgid)
        if message is None or message.fuzzy:
            return False
        value = message.string
        strings = list(value) if isinstance(value, list | tuple) else [value]
        return all(isinstance(s, str) and s.strip() for s in strings)

    return {
        msgid: where
        for msgid, where in extract_messages(templates, python).items()
        if not translated(catalog, msgid) and not translated(kit, msgid)
    }


# --------------------------------------------------------------------------- formatting


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        # Naive datetimes are UTC by convention (the database stores timestamptz).
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TIMEZONE)


def _as_date(value: Any) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return _as_datetime(value).date()
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def format_datum(value: Any, format: str = "long") -> str:
    """A Dutch date: ``long`` "30 maart 2025", ``short`` "30-03-2025", ``full`` with weekday.

    Datetimes are first converted to Europe/Amsterdam (naive ones are taken as UTC).
    """
    if value is None or value == "":
        return ""
    return str(format_date(_as_date(value), format=format, locale=LOCALE))


def format_tijd(value: Any) -> str:
    """A time of day in Amsterdam, "14:05"."""
    if value is None or value == "":
        return ""
    if isinstance(value, time) and not isinstance(value, datetime):
        return str(format_time(value, "HH:mm", locale=LOCALE))
    return str(format_time(_as_datetime(value), "HH:mm", locale=LOCALE))


def format_datumtijd(value: Any, format: str = "long") -> str:
    """Date and time in Amsterdam: "30 maart 2025 om 14:05" (summer and winter time)."""
    if value is None or value == "":
        return ""
    moment = _as_datetime(value)
    return _kit_gettext(N_("%(date)s at %(time)s")) % {
        "date": format_datum(moment, format),
        "time": format_tijd(moment),
    }


def format_getal(value: Any, decimals: int | None = None) -> str:
    """A Dutch number: "1.234.567,5"; ``decimals`` fixes the number of decimals."""
    if value is None or value == "":
        return ""
    if decimals is None:
        return str(format_decimal(value, locale=LOCALE))
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return str(format_decimal(Decimal(str(value)), format=pattern, locale=LOCALE))


def format_procent(value: Any, decimals: int = 0) -> str:
    """A fraction as a Dutch percentage: 0.256 -> "26%"."""
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return str(format_percent(value, format=pattern, locale=LOCALE))


# --------------------------------------------------------------------------- navigation


@dataclass(frozen=True)
class NavItem:
    """One item of the main menu (Dutch label, and a Dutch line for the start page)."""

    label: str
    href: str
    description: str = ""


# (label msgid, href, description msgid) per role; one definition for the whole product.
_NAVIGATION: dict[str | None, tuple[tuple[str, str, str], ...]] = {
    "coordinator": (
        (N_("Intake"), "/intake/", N_("Organisations, preliminary talks and session requests.")),
        (N_("Scheduling"), "/scheduling/", N_("Sessions, team and calendar.")),
        (N_("Aftercare"), "/aftercare/", N_("Aftercare requests and cases.")),
        (N_("Reporting"), "/reporting/", N_("Progress of the tour and of aftercare.")),
    ),
    "teamlid": (
        (N_("Intake"), "/intake/", N_("Voorgesprekken you hold and your follow-up actions.")),
        (N_("Scheduling"), "/scheduling/", N_("Your sessions and availability.")),
        (N_("My aftercare"), "/aftercare/", N_("The aftercare cases assigned to you.")),
        (N_("Reporting"), "/reporting/", N_("Progress of the tour.")),
    ),
    "ministerie": (
        (N_("Reporting"), "/reporting/", N_("Progress figures of the tour and of aftercare.")),
    ),
    "beheerder": (
        (N_("Administration"), "/beheer", N_("Health and event documentation of each service.")),
    ),
    None: (
        (
            N_("Request aftercare"),
            "/aftercare/",
            N_("Threatened or intimidated? An experienced colleague will help you."),
        ),
        (N_("Sign in"), "/aanmelden", N_("For the support team and the ministry.")),
    ),
}
_HREF_ORDER = ("/intake/", "/scheduling/", "/aftercare/", "/reporting/", "/beheer", "/aanmelden")


def navigation_for(
    roles: Iterable[str] | None, *, gettext: Callable[[str], str] | None = None
) -> list[NavItem]:
    """The main menu for these roles (``None``: not signed in), in Dutch.

    A user with several roles gets the union; where two roles link to the same place the
    first role in :data:`ROLES` names it. Unknown roles add nothing.
    """
    translate = gettext or _kit_gettext
    if roles is None:
        entries = list(_NAVIGATION[None])
    else:
        held = set(roles)
        entries = [entry for role in ROLES if role in held for entry in _NAVIGATION[role]]
    seen: dict[str, NavItem] = {}
    for label, href, description in entries:
        seen.setdefault(href, NavItem(translate(label), href, translate(description)))
    return sorted(seen.values(), key=lambda item: _HREF_ORDER.index(item.href))


def current_href(items: Iterable[NavItem], path: str) -> str | None:
    """The href of the menu item for ``path`` (the longest match), for ``aria-current``."""
    best: str | None = None
    for item in items:
        matches = (
            path == item.href
            or (item.href.endswith("/") and path.startswith(item.href))
            or path.rstrip("/") == item.href.rstrip("/")
        )
        if matches and (best is None or len(item.href) > len(best)):
            best = item.href
    return best


def role_labels(roles: Iterable[str], *, gettext: Callable[[str], str] | None = None) -> str:
    """The user's roles in Dutch, in product order: "Coördinator, Teamlid"."""
    translate = gettext or _kit_gettext
    held = set(roles)
    return ", ".join(translate(ROLE_LABELS[r]) for r in ROLES if r in held)


# --------------------------------------------------------------------------- forms

FormErrors = dict[str, str]


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
    translate = gettext or _kit_gettext
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


# --------------------------------------------------------------------------- rendering

ERROR_TITLES: dict[int, str] = {
    400: N_("The request could not be handled"),
    401: N_("You are not signed in"),
    403: N_("You do not have access to this page"),
    404: N_("Page not found"),
    405: N_("This action is not possible here"),
    409: N_("This has changed in the meantime"),
    413: N_("What you sent is too large"),
    422: N_("The request could not be handled"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    502: N_("The service is temporarily unavailable"),
    503: N_("The service is temporarily unavailable"),
    504: N_("The service is temporarily unavailable"),
}
ERROR_DETAILS: dict[int, str] = {
    401: N_("Sign in to see this page."),
    403: N_("Your role does not give access to this page."),
    404: N_("The page does not exist (any more). Check the address, or start again."),
    405: N_("This page cannot be used like this."),
    409: N_("Someone else changed this while you were working. Reload and try again."),
    429: N_("Please wait a moment and try again."),
    500: N_("Something went wrong on our side. Please try again later."),
    503: N_("Please try again in a few minutes."),
}


def _development_from_app(request: Request) -> bool | None:
    runtime = getattr(request.app.state, "runtime", None)
    settings = getattr(runtime, "settings", None) or getattr(request.app.state, "settings", None)
    environment = getattr(settings, "environment", None)
    return None if environment is None else environment != "production"


class PageRenderer:
    """Renders a service's pages: its own templates first, then the kit's.

    ``name`` is the service (its pages live under ``/<name>/``); ``""`` is the front door
    at the root. ``templates`` and ``locale`` are the service's own directories (both
    optional). ``development`` forces the development banner on or off; by default it
    follows ``settings.environment != "production"`` of the running service
    (``app.state.runtime.settings`` or ``app.state.settings``), else ``ONTOUR_ENVIRONMENT``.
    """

    def __init__(
        self,
        name: str,
        templates: Path | None = None,
        locale: Path | None = None,
        *,
        static_url: str | None = None,
        development: bool | None = None,
    ) -> None:
        self.name = name
        self.static_url = static_url or (f"/{name}/static" if name else "/static")
        self.development = development
        self.translations = load_translations(locale)
        loaders = [FileSystemLoader(str(templates))] if templates is not None else []
        loaders.append(FileSystemLoader(str(SHARED_TEMPLATES)))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(default=True, default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.install_gettext_translations(self.translations, newstyle=True)  # type: ignore[attr-defined]
        self.env.filters.update(
            datum=format_datum,
            datumtijd=format_datumtijd,
            tijd=format_tijd,
            getal=format_getal,
            procent=format_procent,
        )
        self.env.globals.update(
            field_id=field_id,
            product_name=PRODUCT_NAME,
            contact_email=CONTACT_EMAIL,
            services=SERVICES,
            static_url=self.static_url,
        )

    def gettext(self, message: str) -> str:
        return str(self.translations.gettext(message))

    def is_development(self, request: Request) -> bool:
        if self.development is not None:
            return self.development
        from_app = _development_from_app(request)
        if from_app is not None:
            return from_app
        return os.environ.get("ONTOUR_ENVIRONMENT", "development") != "production"

    def context(self, request: Request, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The context every page gets, merged with the page's own."""
        user: UserLike | None = getattr(request.state, "user", None)
        roles = frozenset(user.roles) if user is not None else None
        navigation = navigation_for(roles, gettext=self.gettext)
        page = dict(context or {})
        return {
            "request": request,
            "current_user": user,
            "user_roles": roles or frozenset(),
            "user_role_labels": role_labels(roles or (), gettext=self.gettext),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "development": self.is_development(request),
            "navigation": navigation,
            "navigation_current": current_href(navigation, request.url.path),
            "page_has_errors": any(
                isinstance(v, FormState) and v.has_errors for v in page.values()
            ),
            **page,
        }

    def render_string(
        self, request: Request, template_name: str, context: Mapping[str, Any] | None = None
    ) -> str:
        template = self.env.get_template(template_name)
        return template.render(self.context(request, context))

    def render(
        self,
        request: Request,
        template_name: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """Render a page as ``text/html``; pages are never cached (they hold personal data)."""
        response = HTMLResponse(
            self.render_string(request, template_name, context),
            status_code=status_code,
            headers=dict(headers or {}),
        )
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def error(self, request: Request, status_code: int, detail: str | None = None) -> HTMLResponse:
        """The friendly Dutch error page (``ui/fout.html``) for a status code."""
        title = self.gettext(ERROR_TITLES.get(status_code, ERROR_TITLES[500]))
        default = ERROR_DETAILS.get(status_code, ERROR_DETAILS[500])
        return self.render(
            request,
            "ui/fout.html",
            {
                "status_code": status_code,
                "error_title": title,
                "error_detail": detail or self.gettext(default),
            },
            status_code=status_code,
        )


# --------------------------------------------------------------------------- static files


def static_app() -> StaticFiles:
    """The kit's assets (``ontour.css``, ``favicon.svg``) as an ASGI app."""
    return StaticFiles(directory=str(STATIC_DIR))


def static_router() -> APIRouter:
    """A router serving the kit's assets at ``/static``: put it in ``page_routers`` and
    they appear at ``/<service>/static/ontour.css``."""
    router = APIRouter(include_in_schema=False)
    router.routes.append(Mount("/static", app=static_app(), name="static"))
    return router


def mount_static(app: FastAPI, service_name: str, path: str | None = None) -> None:
    """Mount the kit's assets on an app at ``/<service_name>/static`` (``/static`` for "")."""
    mount_path = path or (f"/{service_name}/static" if service_name else "/static")
    app.mount(mount_path, static_app(), name=f"{service_name or 'root'}-static")


# --------------------------------------------------------------------------- pages


def pages_router(renderer: PageRenderer | None = None, *, example: bool = False) -> APIRouter:
    """The front door's pages, for mounting at the root: ``/`` (start page),
    ``/toegankelijkheid``, ``/beheer`` and the kit's assets at ``/static``.

    ``example=True`` adds ``/voorbeeld``, a page showing every component of the kit (GET,
    and POST to see the error summary), for the browser tests and for designers.
    """
    pages = renderer or PageRenderer("")
    router = APIRouter(include_in_schema=False)
    router.routes.extend(static_router().routes)

    @router.get("/", response_class=HTMLResponse)
    async def start(request: Request) -> HTMLResponse:
        return pages.render(request, "ui/start.html")

    @router.get("/toegankelijkheid", response_class=HTMLResponse)
    async def accessibility(request: Request) -> HTMLResponse:
        return pages.render(request, "ui/toegankelijkheid.html")

    @router.get("/beheer", response_class=HTMLResponse)
    async def administration(request: Request) -> HTMLResponse:
        return pages.render(request, "ui/beheer.html")

    if example:
        _add_example_routes(router, pages)
    return router


# --------------------------------------------------------------------------- the kit page

PROVINCES = (
    "Drenthe", "Flevoland", "Fryslân", "Gelderland", "Groningen", "Limburg",
    "Noord-Brabant", "Noord-Holland", "Overijssel", "Utrecht", "Zeeland", "Zuid-Holland",
)  # fmt: skip

_EXAMPLE_LABELS = {
    "name": N_("Name"),
    "email": N_("Email address"),
    "tier": N_("Tier of government"),
    "province": N_("Province"),
    "topics": N_("Subjects"),
    "meeting_on": N_("Date of the meeting"),
    "notes": N_("Notes"),
}
_EXAMPLE_TIERS = (("gemeente", N_("Municipal council")), ("provincie", N_("Provincial council")))
_EXAMPLE_TOPICS = (
    ("bedreiging", N_("Threats")),
    ("intimidatie", N_("Intimidation")),
    ("online", N_("Online hate")),
)


class ExampleForm(BaseModel):
    """The form of the kit page: one field of every kind."""

    name: str = Field(min_length=2, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)
    tier: Literal["gemeente", "provincie"]
    province: Literal[PROVINCES]  # type: ignore[valid-type]
    topics: list[Literal["bedreiging", "intimidatie", "online"]] = Field(min_length=1)
    meeting_on: date
    notes: str = Field(default="", max_length=500)


def _add_example_routes(router: APIRouter, pages: PageRenderer) -> None:
    def context(form: FormState, saved: bool = False) -> dict[str, Any]:
        tr = pages.gettext
        return {
            "form": form,
            "saved": saved,
            "labels": {name: tr(label) for name, label in _EXAMPLE_LABELS.items()},
            "tiers": [(value, tr(label)) for value, label in _EXAMPLE_TIERS],
            "topics": [(value, tr(label)) for value, label in _EXAMPLE_TOPICS],
            "provinces": [(p, p) for p in PROVINCES],
            "example_moment": datetime(2025, 7, 1, 12, 30, tzinfo=UTC),
            "example_rows": [
                ("Gemeente Groningen", "GM0014", 2, 243768, 0.25),
                ("Provincie Utrecht", "PV26", 1, 1387643, 0.5),
            ],
            "credits": [tr(N_("Source of the municipal boundaries: CBS and Kadaster (example)."))],
        }

    def validate(form: FormState) -> FormState:
        try:
            ExampleForm.model_validate(dict(form.values))
        except ValidationError as exc:
            return form.with_errors(
                exc, {name: pages.gettext(label) for name, label in _EXAMPLE_LABELS.items()}
            )
        return form

    @router.get("/voorbeeld", response_class=HTMLResponse)
    async def example(request: Request, fouten: bool = False) -> HTMLResponse:
        form = FormState(values={"topics": []})
        if fouten:
            form = validate(FormState(values=form_values({}, lists=["topics"])))
        return pages.render(request, "ui/voorbeeld.html", context(form))

    @router.post("/voorbeeld", response_class=HTMLResponse)
    async def example_post(request: Request) -> HTMLResponse:
        form = validate(await FormState.from_request(request, lists=["topics"]))
        status = 422 if form.has_errors else 200
        return pages.render(
            request, "ui/voorbeeld.html", context(form, not form.has_errors), status_code=status
        )
