"""The kit's Dutch catalogue: complete, current, and compiled in memory at start-up."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from ontour import formatting, i18n
from ontour.i18n import (
    SHARED_LOCALE,
    catalogue_path,
    compile_catalogue,
    extract_messages,
    untranslated_messages,
)
from ontour.web import forms, kit_example, navigation, rendering
from ontour.web.rendering import SHARED_TEMPLATES, PageRenderer
from starlette.requests import Request

KIT_PYTHON = [
    Path(module.__file__)
    for module in (i18n, formatting, navigation, forms, rendering, kit_example)
]


def _catalogue(locale_dir: Path):
    with catalogue_path(locale_dir).open("rb") as fh:
        return read_po(fh, locale="nl")


def test_every_message_of_the_kit_has_dutch_text():
    used = extract_messages(SHARED_TEMPLATES, KIT_PYTHON)
    assert len(used) > 100, "extraction found too little; is the jinja2 extractor working?"
    missing = untranslated_messages(SHARED_LOCALE, SHARED_TEMPLATES, KIT_PYTHON)
    assert not missing, "messages without Dutch text:\n" + "\n".join(
        f"  {msgid!r} ({', '.join(where)})" for msgid, where in missing.items()
    )


def test_the_catalogue_holds_no_stale_messages():
    used = set(extract_messages(SHARED_TEMPLATES, KIT_PYTHON))
    catalogued = {m.id for m in _catalogue(SHARED_LOCALE) if m.id}
    assert not catalogued - used, f"no longer used, remove them: {sorted(catalogued - used)}"


def test_no_message_is_fuzzy_and_placeholders_match():
    for message in _catalogue(SHARED_LOCALE):
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        for placeholder in ("%(name)s", "%(date)s", "%(time)s", "%(email)s", "%(code)s"):
            assert (placeholder in message.id) == (placeholder in message.string), message.id


def test_the_catalogue_is_compiled_in_memory():
    translations = compile_catalogue(catalogue_path(SHARED_LOCALE))
    assert translations.gettext("Skip to content") == "Naar de inhoud"
    assert translations.gettext("Something has not been filled in correctly") == (
        "Er is iets niet goed ingevuld"
    )
    assert translations.gettext("Main menu") == "Hoofdmenu"


def _request(path: str = "/") -> Request:
    app = SimpleNamespace(state=SimpleNamespace())
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [],
            "app": app,
            "state": {},
        }
    )


def _service_dirs(tmp_path: Path) -> tuple[Path, Path]:
    templates = tmp_path / "templates"
    (templates / "demo").mkdir(parents=True)
    (templates / "demo" / "home.html").write_text(
        '{% extends "ui/base.html" %}\n'
        '{% block title %}{{ _("Organisations") }}{% endblock %}\n'
        '{% block content %}<h1>{{ _("Organisations") }}</h1>'
        '<p>{{ _("%(count)s organisations", count=n|getal) }}</p>{% endblock %}\n',
        encoding="utf-8",
    )
    locale = tmp_path / "locale"
    po = catalogue_path(locale)
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Organisations"\nmsgstr "Organisaties"\n\n'
        '#, python-format\nmsgid "%(count)s organisations"\nmsgstr "%(count)s organisaties"\n\n'
        'msgid "Sign in"\nmsgstr "Inloggen"\n',
        encoding="utf-8",
    )
    return templates, locale


def test_a_service_catalogue_comes_first_and_falls_back_to_the_kit(tmp_path: Path):
    templates, locale = _service_dirs(tmp_path)
    pages = PageRenderer("demo", templates, locale, development=False)
    html = pages.render_string(_request("/demo/"), "demo/home.html", {"n": 1234})
    assert "<h1>Organisaties</h1>" in html
    assert "1.234 organisaties" in html
    assert "Inloggen" in html  # the service may reword a kit text
    assert "Naar de inhoud" in html  # the kit's texts are the fallback
    assert "<title>Organisaties — On Tour</title>" in html


def test_untranslated_messages_of_a_service_are_found(tmp_path: Path):
    templates, locale = _service_dirs(tmp_path)
    assert untranslated_messages(locale, templates) == {}
    (templates / "demo" / "more.html").write_text('{{ _("Not yet translated") }}')
    assert list(untranslated_messages(locale, templates)) == ["Not yet translated"]


def test_a_missing_service_catalogue_fails_at_start(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        PageRenderer("demo", locale=tmp_path / "nowhere")
