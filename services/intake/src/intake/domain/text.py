"""Text normalisation for matching what people type against reference data (pure)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Spreadsheet cells often carry non-breaking or zero-width spaces copied from web pages or Word;
# str.strip() alone does not remove the zero-width ones.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def clean(value: str | None) -> str:
    """The cell's text without surrounding (also non-breaking) whitespace; ``None`` becomes ''."""
    if not value:
        return ""
    return " ".join(str(value).translate(_INVISIBLE).split())


def fold(value: str | None) -> str:
    """Lower case without diacritics, so "Súdwest-Fryslân" and "sudwest-fryslan" compare equal."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", clean(value).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Names repeat a lot in a 10,000-row import (same municipalities, same headers).
@lru_cache(maxsize=4096)
def match_key(value: str | None) -> str:
    """A key for loose name matching: folded, apostrophes dropped, other punctuation a space.

    "'s-Hertogenbosch" -> "s hertogenbosch", "Bergen (NH.)" -> "bergen nh",
    "Nuenen, Gerwen en Nederwetten" -> "nuenen gerwen en nederwetten".
    """
    folded = fold(value)
    for apostrophe in "'’‘`´":
        folded = folded.replace(apostrophe, "")
    return " ".join(_NOT_WORD.sub(" ", folded).split())
