"""Reading a user's file: regular files only, sizes capped before reading, JSON depth capped."""

from __future__ import annotations

import json
import os
import tracemalloc

import pytest

from tlgui.core.errors import TlguiError
from tlgui.core.files import limits
from tlgui.core.files.limits import (
    MAX_JSON_INT,
    FileLimitError,
    check_json_shape,
    loads_json_limited,
    read_limited,
)


def test_reads_a_regular_file_within_its_limit(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 100)
    assert read_limited(path, 100) == b"x" * 100


def test_refuses_a_file_over_its_limit_before_reading(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 101)
    with pytest.raises(FileLimitError, match="more than the 100 bytes"):
        read_limited(path, 100, what="model file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(FileLimitError, match="pipe"):
        read_limited(fifo, 1000, what="photo")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_link_to_a_device_is_refused(tmp_path):
    link = tmp_path / "zero.jpg"
    link.symlink_to("/dev/zero")
    with pytest.raises(FileLimitError, match="device"):
        read_limited(link, 1000, what="photo")


def test_a_folder_and_a_missing_file_are_one_sentence(tmp_path):
    with pytest.raises(TlguiError, match="is a folder"):
        read_limited(tmp_path, 10)
    with pytest.raises(TlguiError, match="does not exist"):
        read_limited(tmp_path / "nothing", 10)


def test_deep_json_is_refused_without_recursion():
    with pytest.raises(FileLimitError, match="nested more than"):
        loads_json_limited("[" * 100_000 + "]" * 100_000, where="The project p")


def test_brackets_inside_strings_do_not_count():
    assert loads_json_limited('{"name": "[[[[\\"{{{{"}', max_depth=2) == {"name": '[[[["{{{{'}


@pytest.mark.parametrize("content", ["a", "\\ud83d\\ude00", '\\"[{'], ids=["letters", "escapes", "escaped quotes"])
def test_a_long_string_is_skipped_in_memory_that_does_not_grow_with_it(content):
    # Skipping a string by backtracking kept about 120 bytes a character: a project holding one
    # 63 MB string took 8 GB to check, a model header of 8 MB 1.5 GB.
    text = '{"x": "' + content * (8 * 1024 * 1024 // len(content)) + '", "y": [1]}'
    check_json_shape("[1]")  # numpy imported before counting
    tracemalloc.start()
    try:
        check_json_shape(text, max_depth=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


def test_a_string_with_no_closing_quote_runs_to_the_end_as_the_parser_reads_it():
    # Its brackets are text to the parser, which fails there. (Counting them instead, by matching
    # from every later quote again, took time quadratic in the length.)
    text = '["' + '\\"[' * 2000
    check_json_shape(text, max_depth=2)
    with pytest.raises(FileLimitError, match="not valid JSON"):
        loads_json_limited(text, max_depth=2)


@pytest.mark.parametrize("document", [r'["\\", [1]]', r'["\\\"[[[", [1]]', r'{"\u005c\\": "[\\", "k": [1]}'])
def test_a_string_ends_where_the_parser_ends_it(document):
    # An escaped backslash before a quote ends the string; an escaped quote does not.
    assert loads_json_limited(document, max_depth=2) == json.loads(document)
    with pytest.raises(FileLimitError, match="nested more than 1 levels"):
        check_json_shape(document, max_depth=1)


def test_invalid_json_is_one_sentence():
    with pytest.raises(FileLimitError, match="The project p is damaged"):
        loads_json_limited("{nope", where="The project p")


def test_a_json_integer_no_float_can_hold_is_damage_not_a_crash():
    assert loads_json_limited(f'{{"n": {MAX_JSON_INT}, "m": -{MAX_JSON_INT}}}') == {"n": MAX_JSON_INT, "m": -MAX_JSON_INT}
    with pytest.raises(FileLimitError, match="The project x is damaged: .*401 digits"):
        loads_json_limited('{"mean": [' + "1" + "0" * 400 + "]}", where="The project x")


@pytest.mark.parametrize("unit", ["{},", "[],", '"ab",', "1.5,"])
def test_json_that_would_take_too_much_memory_to_parse_is_refused_before_parsing(monkeypatch, unit):
    # 64 MB of "{}," parsed into 21 million dictionaries: 2.4 GB for a 0.4 MB project file.
    monkeypatch.setattr(limits, "MAX_JSON_MEMORY", 8 * 1024 * 1024)  # the rule, at a size a test can afford
    document = "[" + unit * (8 * 1024 * 1024 // 32 + 1) + "1]"  # no value costs less than 32 bytes parsed
    half = "[" + unit * (8 * 1024 * 1024 // 72 // 2) + "1]"  # no value costs more than 72 bytes
    assert loads_json_limited(half)
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(FileLimitError, match="The project x is damaged: its data holds .* values, far more"):
        loads_json_limited(document, where="The project x")


def test_a_large_document_of_what_tlgui_writes_is_read():
    # A 1,000-class confusion matrix (a million small integers) and 100,000 photos' records.
    photos = [{"path": f"/home/ann/photos/class {i % 1000}/IMG_{i:06d}.jpg", "label": f"class {i % 1000}",
               "digest": f"{i:064x}", "split": "train"} for i in range(100_000)]
    text = json.dumps({"confusion": [[0] * 1000 for _ in range(1000)], "items": photos})
    assert len(loads_json_limited(text)["items"]) == 100_000
