"""Questions from a background job to the user, answered on the GUI thread.

An engine call running in a ``TaskSlot`` sometimes needs a decision only the user can make
(e.g. "is this a folder of classes or one class?"). Dialogs may only be shown on the GUI thread, so
``make_asker`` gives the job a plain function that posts the question through the task's
``report`` channel and blocks the *worker* thread until the GUI thread has answered; the GUI thread
never waits. Cancelling the task unblocks the worker, which then raises ``Cancelled``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tlgui.core.progress import CancelToken

# The ``kind`` a question travels under through ``TaskSlot.reported``.
ASK_KIND = "ask"


@dataclass
class Question:
    """One pending question; the GUI thread calls ``answer`` exactly once."""

    args: tuple
    kwargs: dict
    _event: threading.Event = field(default_factory=threading.Event)
    _answer: Any = None

    def answer(self, value: Any) -> None:
        self._answer = value
        self._event.set()


def make_asker(token: CancelToken, report: Callable[[str, Any], None]) -> Callable[..., Any]:
    """A function for the worker: ``ask(*args, **kwargs)`` returns what the GUI answered."""

    def ask(*args: Any, **kwargs: Any) -> Any:
        question = Question(args, kwargs)
        report(ASK_KIND, question)
        # Poll so that a Cancel pressed while the dialog is open (or never shown) frees the worker.
        while not question._event.wait(0.1):
            token.raise_if_cancelled()
        return question._answer

    return ask


def answer_with(question: Question, respond: Callable[..., Any]) -> None:
    """On the GUI thread: call ``respond(*args, **kwargs)`` (e.g. show a dialog) and pass the answer back.

    If ``respond`` fails the worker is still released (with None) so it never hangs.
    """
    try:
        value = respond(*question.args, **question.kwargs)
    except BaseException:
        question.answer(None)
        raise
    question.answer(value)
