"""The shared, Dutch, accessible page kit: Jinja templates, the renderer and static files.

A service creates one :class:`PageRenderer` and renders its pages with it::

    pages = PageRenderer("intake", templates=HERE / "templates", locale=HERE / "locale")
    router = APIRouter()  # one of the service's page_routers, mounted at /intake

    @router.get("/")
    async def home(request: Request) -> HTMLResponse:
        return pages.render(request, "intake/home.html", {"rows": rows})

The kit's assets are served at ``/<service>/static/`` (:func:`mount_static`, or
:func:`static_router` among the page routers). Templates extend ``ui/base.html`` and import
the macros of ``ui/forms.html`` (see :mod:`ontour.web.forms`) and ``ui/components.html``;
``ui/voorbeeld.html`` (:mod:`ontour.web.kit_example`) shows them all.

Nothing here needs JavaScript in the browser, and every asset is served by the product.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ontour import formatting
from ontour.i18n import N_, load_translations
from ontour.web.forms import FormState, field_id
from ontour.web.navigation import current_href, navigation_for, role_labels

HERE = Path(__file__).parent
SHARED_TEMPLATES = HERE / "templates"
STATIC_DIR = HERE / "static"

PRODUCT_NAME = "On Tour · Ondersteuningsteam Weerbaar Bestuur"
CONTACT_EMAIL = "ot@weerbaarbestuur.nl"

#: The services that have pages, with their (English) message id.
SERVICES: tuple[tuple[str, str], ...] = (
    ("intake", N_("Intake")),
    ("scheduling", N_("Scheduling")),
    ("aftercare", N_("Aftercare")),
    ("reporting", N_("Reporting")),
)


class UserLike(Protocol):
    """What the kit needs of ``request.state.user`` (set by the front door's session)."""

    display_name: str
    roles: frozenset[str]


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
            datum=formatting.format_datum,
            datumtijd=formatting.format_datumtijd,
            tijd=formatting.format_tijd,
            getal=formatting.format_getal,
            procent=formatting.format_procent,
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
            # A service may add a short note to its own menu item ({href: text}), e.g.
            # aftercare's queue with the number waiting; other services know nothing of it.
            "navigation_notes": getattr(request.state, "navigation_notes", {}),
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
