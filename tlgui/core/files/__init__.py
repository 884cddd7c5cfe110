"""tlgui/core/files"""
