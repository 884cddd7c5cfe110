"""One call in a fresh process: its answer, its exception, its crash and its Stop reach the caller,
and a child whose caller has gone does not live on."""

from __future__ import annotations

import decimal
import fractions
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.progress import CancelToken
from tlgui.core.runtime import child_process
from tlgui.core.runtime.child_process import ChildProcessFailed, call_in_child

HERE = Path(__file__).resolve().parent


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


def print_then_answer() -> str:
    print("chatter on standard output")  # a library's print must not spoil the answer
    os.write(1, b"and below Python's sys.stdout\n")
    return "the answer"


def write_pid_and_sleep(pid_file: str, seconds: float) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(seconds)


def _gone(pid: int, within: float) -> bool:
    """Whether process ``pid`` has ended (a zombie nobody reaped counts as ended) within ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def _pid_from(pid_file: Path, within: float = 60) -> int:
    deadline = time.monotonic() + within
    while not (pid_file.is_file() and pid_file.read_text()):
        assert time.monotonic() < deadline, "the child never started its work"
        time.sleep(0.05)
    return int(pid_file.read_text())


def _caller_of_a_sleeping_child(pid_file: Path, **options) -> subprocess.Popen:
    """A process whose child writes its pid to ``pid_file``, then sleeps a minute. It takes Ctrl-C as a
    program started from a terminal does, whatever this one inherited: a suite started as a
    background job of a script runs with SIGINT ignored, and so would the caller."""
    return subprocess.Popen(
        [sys.executable, "-c",
         "import signal; signal.signal(signal.SIGINT, signal.default_int_handler);"
         "import sys; sys.path.insert(0, sys.argv[1]);"
         "from test_child_process import write_pid_and_sleep;"
         "from tlgui.core.runtime.child_process import call_in_child;"
         "call_in_child(write_pid_and_sleep, sys.argv[2], 60)",
         str(HERE), str(pid_file)],
        stderr=subprocess.PIPE, **options,
    )


def test_the_answer_comes_back():
    assert call_in_child(len, b"four") == 4
    assert call_in_child(child_pid) != os.getpid()
    assert call_in_child(print_then_answer) == "the answer"


def test_an_exception_in_the_child_is_raised_here_as_itself():
    with pytest.raises(ValueError, match="invalid literal"):
        call_in_child(int, "not a number")
    with pytest.raises(TlguiError, match="a reason the user reads"):
        call_in_child(raise_tlgui_error)


def test_an_exception_that_cannot_travel_keeps_its_type_and_message():
    with pytest.raises(TlguiError, match=r"_NeedsTwoArguments: photo.jpg: odd"):
        call_in_child(raise_needs_two_arguments)


def test_an_answer_builds_nothing_but_pythons_and_tlguis_own_types():
    # The caller imports nothing an answer names: another package's result or exception comes as a
    # TlguiError saying what it was.
    with pytest.raises(TlguiError, match="Fraction result cannot be sent back"):
        call_in_child(fractions.Fraction, 1, 3)
    with pytest.raises(TlguiError, match=r"decimal\.InvalidOperation"):
        call_in_child(decimal.Decimal, "not a number")
    assert child_process._read_answer(pickle.dumps(("result", b"bytes"))) == ("result", b"bytes")
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction is not allowed"):
        child_process._read_answer(pickle.dumps(("result", fractions.Fraction(1, 3))))


def test_a_child_that_dies_without_answering_is_a_failure_naming_its_exit_status():
    with pytest.raises(ChildProcessFailed, match="exit status 3"):
        call_in_child(os._exit, 3)


def test_stop_ends_the_child_at_once(tmp_path):
    token = CancelToken()
    pid_file = tmp_path / "pid"
    threading.Thread(target=lambda: (_pid_from(pid_file), token.cancel()), daemon=True).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        call_in_child(write_pid_and_sleep, str(pid_file), 60, cancel=token)
    assert time.monotonic() - started < 30
    assert _gone(int(pid_file.read_text()), within=1)


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
def test_a_child_whose_caller_was_killed_ends_too(tmp_path):
    # The caller killed outright (SIGKILL: no clean-up of its own) while its child works: the child
    # used to finish its conversion at full speed, then print a traceback on the dead caller's terminal.
    pid_file = tmp_path / "pid"
    caller = _caller_of_a_sleeping_child(pid_file)
    try:
        child = _pid_from(pid_file)
        caller.send_signal(signal.SIGKILL)
        caller.wait(10)
        assert _gone(child, within=5)
    finally:
        caller.kill()
        caller.wait()


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_ctrl_c_in_a_terminal_reaches_the_caller_only(tmp_path):
    # A terminal's Ctrl-C goes to its whole process group: the child, still loading, printed a
    # KeyboardInterrupt traceback of its own. It has a session of its own; the caller ends it.
    pid_file = tmp_path / "pid"
    caller = _caller_of_a_sleeping_child(pid_file, start_new_session=True)
    try:
        child = _pid_from(pid_file)
        assert os.getpgid(child) != os.getpgid(caller.pid)
        os.killpg(caller.pid, signal.SIGINT)  # the terminal's Ctrl-C: the caller's whole group
        _out, err = caller.communicate(timeout=30)
        assert caller.returncode != 0 and b"KeyboardInterrupt" in err
        assert _gone(child, within=5)
    finally:
        caller.kill()
        caller.wait()


def test_the_program_serves_a_call_when_told_to():
    # tlgui/__main__.py names the variable without importing this module (the window's start).
    main = (Path(child_process.__file__).parents[2] / "__main__.py").read_text(encoding="utf-8")
    assert f'"{child_process.CHILD_ENV}"' in main
