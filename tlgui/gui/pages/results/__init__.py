"""tlgui/gui/pages/results"""
