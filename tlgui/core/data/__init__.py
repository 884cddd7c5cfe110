"""tlgui/core/data"""
