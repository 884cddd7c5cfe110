"""The method's three regimes, named once: head only, partial fine-tune, full fine-tune."""

from __future__ import annotations

from enum import StrEnum

from tlgui.core.i18n import N_, _


class Regime(StrEnum):
    """How much of the pretrained network trains. The values are what files and the CLI store."""

    HEAD = "head"
    PARTIAL = "partial"
    FULL = "full"

    @property
    def title(self) -> str:
        """How the window and the command line name it."""
        return _(_TITLES[self])


_TITLES = {
    Regime.HEAD: N_("head only"),
    Regime.PARTIAL: N_("partial fine-tune"),
    Regime.FULL: N_("full fine-tune"),
}
