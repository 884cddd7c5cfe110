"""tlgui/core/models"""
