"""What the checks of the data find, as plain records. The window imports these when it starts,
so nothing here needs numpy or torch; the checks that fill them do, and load when they run."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tlgui.core.data.bins import ImageItem, SkippedFile


class DuplicateKind(StrEnum):
    WITHIN_CLASS = "within class"
    ACROSS_CLASSES = "across classes"
    ACROSS_SPLIT = "across the train/validation split"


@dataclass(frozen=True)
class NearDuplicate:
    """Two photos of the same scene. ``kinds`` holds WITHIN_CLASS or ACROSS_CLASSES, and
    ACROSS_SPLIT when one trains and the other validates."""

    first: ImageItem
    second: ImageItem
    similarity: float
    kinds: tuple[DuplicateKind, ...]

    @property
    def identical(self) -> bool:
        """The same bytes (the same file content under two names)."""
        return self.first.digest == self.second.digest


@dataclass
class DuplicateReport:
    """The pairs, most similar first, among ``checked`` photos; ``skipped`` could not be read."""

    pairs: list[NearDuplicate]
    checked: int
    threshold: float
    skipped: list[SkippedFile] = field(default_factory=list)


@dataclass(frozen=True)
class LabelSuspect:
    """One photo whose label the other photos contradict.

    ``quality`` is cleanlab's label quality score (here the out-of-fold probability of the given
    label): near 0 the label is almost surely wrong. ``suggested`` is the most probable other class
    and ``suggested_probability`` its probability. ``rank`` 1 is the likeliest mistake.
    """

    item: ImageItem
    suggested: str
    quality: float
    suggested_probability: float
    rank: int

    @property
    def given(self) -> str:
        return self.item.label


@dataclass
class SuspectReport:
    """The suspects, best first, out of ``checked`` photos; ``skipped`` could not be read."""

    suspects: list[LabelSuspect]
    checked: int
    skipped: list[SkippedFile] = field(default_factory=list)
