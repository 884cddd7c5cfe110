"""How long, in words: the precision an estimate deserves, for the window and the command line."""

from __future__ import annotations

import math


def duration_text(seconds: float) -> str:
    """"a few seconds", "about 40 s", "about 14 min", "about 2 h 10 min"."""
    if not math.isfinite(seconds) or seconds < 0:
        return "an unknown time"
    if seconds < 10:
        return "a few seconds"
    if seconds < 90:
        return f"about {_round_to(seconds, 5):.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"about {_round_to(minutes, 1 if minutes < 20 else 5):.0f} min"
    hours, rest = divmod(_round_to(minutes, 10), 60)
    return f"about {hours:.0f} h" + (f" {rest:.0f} min" if rest else "")


def _round_to(value: float, step: float) -> float:
    return max(step, round(value / step) * step)
