"""tlgui/gui/pages/train"""
