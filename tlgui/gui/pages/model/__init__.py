"""tlgui/gui/pages/model"""
