"""tlgui/gui/pages/classify"""
