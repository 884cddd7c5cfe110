"""tlgui/core/runtime"""
