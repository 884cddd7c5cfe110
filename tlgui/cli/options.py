"""The command line's words turned into checked values, before any work starts.

Training options are TrainConfig's fields under their command-line names: their defaults are read
from TrainConfig and their limits checked by it, so the command line, the window and a project file
share one set of rules. An option the user leaves out is not passed at all and TrainConfig's default
applies.
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from tlgui.core.errors import SettingsError, TlguiError
from tlgui.core.training.config import MAX_FREEZE_LEVEL, TrainConfig

#: The settings a run gets when the user gives no option; the help texts show these.
DEFAULTS = TrainConfig()
_SETTINGS = frozenset(f.name for f in fields(TrainConfig))

FREEZE_HELP = (
    "how much of the pretrained network to freeze: 'auto' (recommended for your data, the default), "
    "'head' (train only the new head, on cached features), 'full' (train everything), or a number "
    "of trainable stages below the head"
)


class UsageError(TlguiError):
    """The command line cannot be used as written: an unknown option, a missing argument, a bad value."""


class CommandParser(argparse.ArgumentParser):
    """argparse, but a mistake raises UsageError (shown as one line) instead of printing usage and exiting.

    Sub-commands' parsers are made of the same class, so theirs do too.
    """

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def checked_output_file(text: str, option: str = "--out", **kwargs) -> Path:
    """``check_output_file`` (same keywords) for the path given with ``option``, kept as typed: argparse's
    ``type=Path`` would turn an empty argument into ".", the current folder. No name at all is a
    mistaken option (UsageError, exit 2); a path that cannot be written is a problem with a file
    (OutputPathError, exit 1)."""
    from tlgui.core.errors import OutputPathError
    from tlgui.core.files.output import check_output_file

    try:
        return check_output_file(text, **kwargs)
    except OutputPathError as exc:
        if not text.strip() or "\0" in text:
            raise UsageError(f"argument {option}: {exc}") from None
        raise


def exists(path: Path) -> bool | None:
    """``path.exists()``; None where it cannot be told: Python 3.11's raises OSError for a name too
    long or a folder that cannot be searched."""
    try:
        return path.exists()
    except OSError:
        return None


def folder_name(text: str) -> Path:
    """A folder option's value: ``type=Path`` would take an empty one for ".", the current folder
    (``--cache-dir ''`` filled the working folder with the cache's database)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("no folder was named")
    return Path(text)


def whole_number(text: str) -> int:
    """argparse type: an integer, range left to the rule that owns it."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def real_number(text: str) -> float:
    """argparse type: a decimal number ('nan' and 'inf' parse, and are refused by the rule that owns them)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def parse_freeze(text: str) -> int | None:
    """argparse type for --freeze: 'auto' -> None (recommendation), 'head' -> 0, 'full' -> every stage, 'N' -> N."""
    value = text.strip().lower()
    if value in ("auto", "recommended"):
        return None
    if value in ("head", "head-only"):
        return 0
    if value in ("full", "all", "everything", "none"):
        return MAX_FREEZE_LEVEL  # set_freeze_level clamps it to the network's stage count
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be auto, head, full or a number of stages, not {text!r}") from None


class SettingOptions:
    """Adds options that set TrainConfig fields, and builds the TrainConfig from what was given."""

    def __init__(self, parser: argparse.ArgumentParser):
        self.parser = parser
        self.flags: dict[str, str] = {}
        parser.set_defaults(setting_flags=self.flags)

    def add(self, flag: str, setting: str, *, help: str, **kwargs) -> None:
        """``flag`` sets the TrainConfig field ``setting``; the help ends with its default."""
        if setting not in _SETTINGS:
            raise ValueError(f"TrainConfig has no field {setting!r}")
        self.flags[setting] = flag
        default = getattr(DEFAULTS, setting)
        shown_default = "on" if default is True else "off" if default is False else default
        self.parser.add_argument(flag, dest=setting, default=argparse.SUPPRESS,
                                 help=f"{help} (default: {shown_default})", **kwargs)


def config_from_args(args: argparse.Namespace, **fixed) -> TrainConfig:
    """TrainConfig from the options given (plus ``fixed`` values); a refused one names its option."""
    given = {name: value for name, value in vars(args).items() if name in _SETTINGS}
    try:
        return TrainConfig(**{**given, **fixed})
    except SettingsError as exc:
        flag = getattr(args, "setting_flags", {}).get(exc.setting)
        raise UsageError(f"argument {flag}: {exc}" if flag else str(exc)) from None
