"""What a name shown to the user may hold: class names and run names, stated once.

Names come from folders, files and the user's typing, and are shown in sentences, lists, labels and
one-name-a-line files. Kept out of a name are the characters that act instead of showing:

* control characters (C0, DEL, C1) and the line and paragraph separators: a newline splits a line of
  a labels file in two, an ESC drives a terminal;
* Unicode's bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI,
  PDI): they do nothing for the name itself but reorder what is shown after it: "ants\\u202e" turns
  the rest of every sentence naming it backwards;
* invisible characters that join or mark nothing (zero-width space, word joiner, byte-order mark,
  soft hyphen, invisible operators, the deprecated format controls, interlinear annotation): "ants"
  and "ants\\u200b" would be two names that look the same;
* space at either end, and the zero-width joiner and non-joiner there, which join nothing.

A name is also in Unicode's composed form (NFC): macOS folder names are decomposed, and "café"
composed and decomposed would be two names that look the same. A name that shows nothing is no name.

Kept: the zero-width joiner and non-joiner inside a name (emoji sequences, Persian and Indic
scripts), the direction marks LRM, RLM and ALM (they set only the direction of their neighbourhood,
which a Hebrew or Arabic name may need), variation selectors and tag characters (emoji).

Two ways to apply the rule: ``clean_name`` cleans silently, for names the user cannot easily change
(a folder's); ``name_flaw`` says what cleaning would change, for names that are refused instead (a
model file's class names, a run's name typed by the user).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

_CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_SURROGATES = "\ud800-\udfff"
_INVISIBLE = "\u00ad\u200b\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
_CONTROL_RUN = re.compile(f"[{_CONTROLS}]+")
_SURROGATE = re.compile(f"[{_SURROGATES}]")
_DROPPED = re.compile(f"[{_INVISIBLE}]+")
_FLAWED_CHARACTER = re.compile(f"[{_SURROGATES}{_CONTROLS}{_INVISIBLE}]")
_ENDS = re.compile("^[\\s\u200c\u200d]+|[\\s\u200c\u200d]+$")
#: Categories of characters that show nothing by themselves: spaces, controls and format characters.
_SHOWS_NOTHING = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


class FlawKind(StrEnum):
    """What is wrong with a name, in the order ``name_flaw`` looks for it."""

    NOT_UNICODE = "not_unicode"  # a lone surrogate: a file name's byte that is not UTF-8, or forged JSON
    CONTROL = "control"  # a control character or a line or paragraph separator
    INVISIBLE = "invisible"  # a bidirectional control or an invisible character
    BLANK = "blank"  # nothing that shows
    PADDED = "padded"  # space (or a joiner) at either end
    UNCOMPOSED = "uncomposed"  # not in NFC


@dataclass(frozen=True)
class NameFlaw:
    """The first thing ``clean_name`` would change in a name, and the character concerned (if one)."""

    kind: FlawKind
    char: str = ""

    @property
    def code(self) -> str:
        """The character as "U+202E" ("" when the flaw is not one character)."""
        return f"U+{ord(self.char):04X}" if self.char else ""


def clean_name(text: str) -> str:
    """``text`` as a name: each run of control characters and line breaks a space, bidirectional
    controls and invisible characters dropped, NFC, stripped; "" when nothing that shows is left.

    Lone surrogates become U+FFFD. The cost grows faster than the length (normalisation): callers
    bound the length first.
    """
    text = _SURROGATE.sub("\ufffd", text)
    text = _DROPPED.sub("", _CONTROL_RUN.sub(" ", text))
    text = _ENDS.sub("", unicodedata.normalize("NFC", text))
    return text if _shows_something(text) else ""


def name_flaw(name: str) -> NameFlaw | None:
    """Why ``clean_name`` would change ``name`` (or find it blank); None when it is a clean name."""
    found = _FLAWED_CHARACTER.search(name)
    if found is not None:
        char = found.group()
        if _SURROGATE.match(char):
            return NameFlaw(FlawKind.NOT_UNICODE, char)
        return NameFlaw(FlawKind.CONTROL if _CONTROL_RUN.match(char) else FlawKind.INVISIBLE, char)
    if not _shows_something(name):
        return NameFlaw(FlawKind.BLANK)
    padding = _ENDS.search(name)
    if padding is not None:
        return NameFlaw(FlawKind.PADDED, padding.group()[0])
    if not unicodedata.is_normalized("NFC", name):
        return NameFlaw(FlawKind.UNCOMPOSED)
    return None


def _shows_something(text: str) -> bool:
    return any(unicodedata.category(char) not in _SHOWS_NOTHING for char in text)
