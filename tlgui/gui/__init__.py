"""The window. It only drives the engine in tlgui.core."""
