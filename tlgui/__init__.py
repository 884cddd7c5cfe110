"""tlgui: transfer learning for computer vision, on the desktop."""

__version__ = "0.1.0"
