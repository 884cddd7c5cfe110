"""One call in a fresh process: its answer, its exception, its crash and its Stop reach the caller."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import pytest

from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.progress import CancelToken
from tlgui.core.runtime.child_process import ChildProcessFailed, call_in_child


class _NeedsTwoArguments(Exception):
    """An exception a pickle cannot rebuild: its constructor takes more than its ``args``."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")


def raise_needs_two_arguments() -> None:
    raise _NeedsTwoArguments("photo.jpg", "odd")


def raise_tlgui_error() -> None:
    raise TlguiError("a reason the user reads")


def child_pid() -> int:
    return os.getpid()


def test_the_answer_comes_back():
    assert call_in_child(len, b"four") == 4
    assert call_in_child(child_pid) != os.getpid()


def test_an_exception_in_the_child_is_raised_here_as_itself():
    with pytest.raises(ValueError, match="invalid literal"):
        call_in_child(int, "not a number")
    with pytest.raises(TlguiError, match="a reason the user reads"):
        call_in_child(raise_tlgui_error)


def test_an_exception_that_cannot_travel_keeps_its_type_and_message():
    with pytest.raises(TlguiError, match=r"_NeedsTwoArguments: photo.jpg: odd"):
        call_in_child(raise_needs_two_arguments)


def test_a_child_that_dies_without_answering_is_a_failure_naming_its_exit_status():
    with pytest.raises(ChildProcessFailed, match="exit status 3"):
        call_in_child(os._exit, 3)


def test_stop_ends_the_child_at_once():
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        call_in_child(time.sleep, 60, cancel=token)
    assert time.monotonic() - started < 10
    assert multiprocessing.active_children() == []
