"""``python -m tlgui`` is the ``tlgui`` command."""

from tlgui.cli.main import entry_point

entry_point()
