"""``python -m tlgui`` is the ``tlgui`` command."""

from tlgui.cli import entry_point

entry_point()
