"""The editing model: the open photo, its mask, the undo history and the brush settings. No Qt.

:mod:`~restorer.editing.document` (one open photo), :mod:`~restorer.editing.mask` (the
painted mask and its strokes), :mod:`~restorer.editing.history` (bounded undo/redo) and
:mod:`~restorer.editing.brush` (the tool, size and hardness the canvas paints with).
The window's widgets bind to these objects through their psygnal signals; the objects know
nothing of the widgets.
"""
