"""The method's three regimes, named once: head only, partial fine-tune, full fine-tune."""

from __future__ import annotations

from enum import StrEnum


class Regime(StrEnum):
    """How much of the pretrained network trains. The values are what files and the CLI store."""

    HEAD = "head"
    PARTIAL = "partial"
    FULL = "full"

    @property
    def title(self) -> str:
        """How the window and the command line name it."""
        return _TITLES[self]


_TITLES = {
    Regime.HEAD: "head only",
    Regime.PARTIAL: "partial fine-tune",
    Regime.FULL: "full fine-tune",
}
