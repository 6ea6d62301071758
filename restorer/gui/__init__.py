"""The desktop window (PySide6). The only package of Restorer that imports Qt.

The editing model the widgets show and change (document, mask, undo history, brush
settings) is :mod:`restorer.editing`, which imports no Qt.
"""
