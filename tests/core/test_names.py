"""The one rule for names shown to the user: what cleaning changes, and what a refusal names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlgui.core.names import FlawKind, clean_name, name_flaw

ORDINARY = [
    "ants", "tabby cats", "chien à poil", "café", "猫", "蜜蜂 bees", "בורא", "\u200fשלום", "قطط",
    "🐈", "👨\u200d👩\u200d👧", "❤\ufe0f", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "می\u200cخواهم", "R&D (2)", "a  b",
]


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_are_left_as_they_are(name):
    assert clean_name(name) == name and name_flaw(name) is None


CLEANED = {
    "a newline": ("an\nts", "an ts", FlawKind.CONTROL, "U+000A"),
    "a Windows line end": ("an\r\nts", "an ts", FlawKind.CONTROL, "U+000D"),
    "a tab": ("an\tts", "an ts", FlawKind.CONTROL, "U+0009"),
    "an escape": ("red\x1b[2J", "red [2J", FlawKind.CONTROL, "U+001B"),
    "NUL": ("a\x00b", "a b", FlawKind.CONTROL, "U+0000"),
    "next line (C1)": ("a\x85b", "a b", FlawKind.CONTROL, "U+0085"),
    "a line separator": ("a\u2028b", "a b", FlawKind.CONTROL, "U+2028"),
    "a paragraph separator": ("a\u2029b", "a b", FlawKind.CONTROL, "U+2029"),
    "a right-to-left override": ("ants\u202egnp.exe", "antsgnp.exe", FlawKind.INVISIBLE, "U+202E"),
    "an isolate": ("\u2067bees\u2069", "bees", FlawKind.INVISIBLE, "U+2067"),
    "a zero-width space": ("ants\u200b", "ants", FlawKind.INVISIBLE, "U+200B"),
    "a byte-order mark": ("\ufeffants", "ants", FlawKind.INVISIBLE, "U+FEFF"),
    "a soft hyphen": ("an\u00adts", "ants", FlawKind.INVISIBLE, "U+00AD"),
    "a word joiner": ("an\u2060ts", "ants", FlawKind.INVISIBLE, "U+2060"),
    "a lone surrogate": ("caf\udce9", "caf\ufffd", FlawKind.NOT_UNICODE, "U+DCE9"),
    "spaces around": ("  ants ", "ants", FlawKind.PADDED, "U+0020"),
    "a joiner at the end": ("ants\u200d", "ants", FlawKind.PADDED, "U+200D"),
    "decomposed": ("cafe\u0301", "caf\u00e9", FlawKind.UNCOMPOSED, ""),
}


@pytest.mark.parametrize("case", CLEANED)
def test_what_cleaning_changes_is_what_a_refusal_names(case):
    name, cleaned, kind, code = CLEANED[case]
    assert clean_name(name) == cleaned
    flaw = name_flaw(name)
    assert flaw is not None and flaw.kind is kind and flaw.code == code


@pytest.mark.parametrize("name", ["", "   ", "\t", "\n", "\u3000", "\u202e", "\u200b", "\u200e", "\u200d \u200c"])
def test_a_name_that_shows_nothing_cleans_to_nothing(name):
    assert clean_name(name) == ""
    assert name_flaw(name) is not None


_TRICKY = st.sampled_from(
    list(" \t\n\r\x00\x1b\x7f\x85\u00a0\u2000\u2028\u2029\u3000\u00ad\u200b\u200c\u200d\u200e\u200f"
         "\u202a\u202e\u2060\u2066\u2069\ufeff\ufe0f\u0301\u0308\u0958\u1100\u1161\u11a8\ud800\udce9"
         "aeé猫🐈")
)


@settings(max_examples=500, deadline=None)
@given(st.text(_TRICKY, max_size=12) | st.text(max_size=12))
def test_a_name_is_clean_exactly_when_cleaning_leaves_it_alone(text):
    cleaned = clean_name(text)
    assert (name_flaw(text) is None) == (cleaned == text != "")
    assert cleaned == "" or name_flaw(cleaned) is None  # cleaning once is enough
