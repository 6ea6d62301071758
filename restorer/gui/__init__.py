"""The desktop window (PySide6). The only package of Restorer that imports Qt.

:mod:`restorer.gui.brush`, :mod:`restorer.gui.history` and :mod:`restorer.gui.document`
hold the editing model and import no Qt; the widgets build on them.
"""
