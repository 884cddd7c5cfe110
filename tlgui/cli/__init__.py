"""tlgui/cli"""
