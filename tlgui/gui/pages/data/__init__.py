"""tlgui/gui/pages/data"""
