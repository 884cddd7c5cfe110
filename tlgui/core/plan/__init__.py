"""tlgui/core/plan"""
