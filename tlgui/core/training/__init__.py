"""tlgui/core/training"""
