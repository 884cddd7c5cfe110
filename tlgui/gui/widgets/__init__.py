"""tlgui/gui/widgets"""
