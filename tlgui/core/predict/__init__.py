"""tlgui/core/predict"""
