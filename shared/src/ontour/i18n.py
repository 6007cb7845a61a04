"""The product's Dutch texts: Babel catalogues, compiled in memory at start-up (no build step).

Message ids are English (the language of the code); the Dutch text comes from a catalogue
``<locale dir>/nl/LC_MESSAGES/messages.po``. A service's catalogue falls back to the kit's own
(``ontour/web/locale``). Nothing here depends on the web layer, so domain code may use it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

#: The kit's own catalogue; it holds the texts of ``ontour/web/templates/ui`` too.
SHARED_LOCALE = Path(__file__).parent / "web" / "locale"
CATALOGUE_LOCALE = "nl"


def N_(message: str) -> str:
    """Mark a message id for extraction; it is translated where it is shown."""
    return message


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


def kit_gettext(message: str) -> str:
    """A message in Dutch from the kit's own catalogue."""
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
