"""``python -m tlgui`` is the ``tlgui`` command."""

import sys

from tlgui.cli import main

sys.exit(main())
