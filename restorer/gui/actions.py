"""The window's commands, declared once: text, shortcuts, what runs, where they show, when they are enabled.

:data:`ACTIONS` is the table; :data:`MENUS` and :data:`TOOLBARS` name its rows by id.
:func:`make_actions` builds one ``QAction`` per row on a window (as the attribute
``<id>_action``, so a test or a menu reaches ``window.save_action``) and
:func:`update_enabled` enables each by its row's ``when``. A new command is one row
and one id in a menu: nothing else in the window changes.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QMenuBar, QToolBar, QWidget

Key = str | QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    """One command of the window.

    ``slot`` is a dotted attribute path from the window (``"files.save"``,
    ``"canvas.fit"``) called with ``args`` (a checkable row without ``args`` is a
    switch: its slot gets the new checked state); ``when`` is ``None`` (always enabled) or the
    name of a condition the window answers (see :func:`update_enabled`); ``group``
    makes the checkable actions sharing it exclusive (the tools).
    """

    id: str
    text: str
    slot: str
    shortcuts: tuple[Key, ...] = ()
    args: tuple = ()
    checkable: bool = False
    checked: bool = False
    tip: str = ""
    icon_text: str = ""
    when: str | None = None
    group: str | None = None


A = ActionSpec
ACTIONS: tuple[ActionSpec, ...] = (
    A("open", "&Open…", "open_dialog", (QKeySequence.StandardKey.Open,)),
    A("save", "&Save", "files.save", (QKeySequence.StandardKey.Save,), when="document"),
    A("save_as", "Save &As…", "files.save_as", ("Ctrl+Shift+S",), when="document"),
    A("import_mask", "&Import Mask…", "mask_commands.import_dialog", when="document"),
    A("export_mask", "&Export Mask…", "mask_commands.export_dialog", when="document"),
    A("close", "&Close Window", "close", (QKeySequence.StandardKey.Close,)),
    A("quit", "&Quit", "quit_all", (QKeySequence.StandardKey.Quit,)),
    A("undo", "&Undo", "undo", ("Ctrl+Z",), when="can_undo"),
    A("redo", "&Redo", "redo", ("Ctrl+Shift+Z", "Ctrl+Y"), when="can_redo"),
    A("brush", "&Brush", "brush.set_tool", ("B",), ("brush",), checkable=True, checked=True, group="tools",
      tip="Paint the area to repair (B)"),
    A("eraser", "&Eraser", "brush.set_tool", ("E",), ("eraser",), checkable=True, group="tools", tip="Unpaint (E)"),
    A("select", "Smart &Select", "brush.set_tool", ("W",), ("select",), checkable=True, group="tools",
      icon_text="Select",
      tip="Drag a box around an object to add it to the mask; Alt-drag takes it out (W)"),
    A("select_stroke", "Smart Select (S&troke)", "brush.set_tool", ("Shift+W",), ("select-stroke",), checkable=True,
      group="tools", icon_text="Stroke select",
      tip="Paint a rough stroke on an object to add all of it to the mask; Alt takes it out (Shift+W)"),
    A("bigger", "Bigger Brush", "brush.step_size", ("]",), (+1,)),
    A("smaller", "Smaller Brush", "brush.step_size", ("[",), (-1,)),
    A("find_damage", "&Find Damage", "find_damage.start", ("Ctrl+D",), icon_text="Find damage", when="document",
      tip="Propose a mask of the scratches, dust and spots, to review (Ctrl+D)"),
    A("clear_mask", "&Clear Mask", "mask_commands.clear", ("Delete", "Ctrl+Shift+A"), icon_text="Clear",
      when="document"),
    A("invert_mask", "&Invert Mask", "mask_commands.invert", ("Ctrl+I",), icon_text="Invert", when="document"),
    A("grow_mask", "&Grow Mask…", "mask_commands.morph_dialog", args=(True,), icon_text="Grow", when="document"),
    A("shrink_mask", "S&hrink Mask…", "mask_commands.morph_dialog", args=(False,), icon_text="Shrink",
      when="document"),
    A("show_mask", "&Show Mask", "canvas.set_mask_visible", ("Ctrl+H",), checkable=True, checked=True),
    A("zoom_in", "Zoom &In", "canvas.zoom_step", ("+", "=", "Ctrl++", "Ctrl+="), args=(True,), when="document"),
    A("zoom_out", "Zoom &Out", "canvas.zoom_step", ("-", "Ctrl+-"), args=(False,), when="document"),
    A("fit", "&Fit in Window", "canvas.fit", ("Ctrl+0",), icon_text="Fit", when="document"),
    A("actual_size", "&Actual Pixels (100%)", "canvas.set_zoom", ("Ctrl+1",), (1.0,), icon_text="100%",
      when="document"),
    A("split", "&Split View (Original | Now)", "set_split_view", ("Y",), checkable=True, when="document",
      tip="The photo as opened on the left, as it is now on the right; drag the divider"),
    A("run", "&Run Model", "run_control.run_model", ("Ctrl+Return", "Ctrl+Enter")),
    A("cancel", "&Cancel", "cancel_all", ("Esc",), when="cancellable",
      tip="Stop the model run, Find damage or Smart Select under way, or dismiss a damage proposal (Esc)"),
)
del A

#: The menus, in order: action ids, ``None`` for a separator, ``"@name"`` for a submenu the window fills.
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    ("&File", ("open", "@recent", "save", "save_as", None, "import_mask", "export_mask", None, "close", "quit")),
    ("&Edit", ("undo", "redo")),
    ("&Mask", ("brush", "eraser", "select", "select_stroke", "bigger", "smaller", None, "find_damage", "clear_mask",
               "invert_mask", "grow_mask", "shrink_mask", None, "show_mask")),
    ("&View", ("zoom_in", "zoom_out", "fit", "actual_size", None, "split")),
    ("M&odel", ("run", "cancel")),
)
#: The toolbars, left to right, with the brush bar (:class:`restorer.gui.brush_bar.BrushBar`: the
#: tools and the brush's controls) after the first; ``"label:TEXT"`` is a caption.
TOOLBARS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    ("file", ("open", "save_as")),
    ("mask", ("label:Mask:", "find_damage", "clear_mask", "invert_mask", "grow_mask", "shrink_mask", None, "fit",
              "actual_size")),
)
#: The tools, shown by the brush bar.
TOOLS: tuple[str, ...] = ("brush", "eraser", "select", "select_stroke")


def spec(action_id: str) -> ActionSpec:
    """The row of :data:`ACTIONS` with id ``action_id``."""
    return next(s for s in ACTIONS if s.id == action_id)


def _tooltip(action: QAction, text: str) -> None:
    """The action's name with its first shortcut, as toolbars show it."""
    if action.shortcuts():
        key = action.shortcuts()[0].toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{text.replace('&', '').rstrip('…')} ({key})")


def make_actions(window: QWidget) -> dict[str, QAction]:
    """One ``QAction`` per row of :data:`ACTIONS`, added to ``window`` (its shortcuts work with the menu
    bar hidden) and set as ``window.<id>_action``; returns them by id."""
    actions: dict[str, QAction] = {}
    groups: dict[str, QActionGroup] = {}
    for row in ACTIONS:
        action = QAction(row.text, window)
        action.setShortcuts([QKeySequence(key) for key in row.shortcuts])
        action.setCheckable(row.checkable)
        action.setChecked(row.checked)
        _tooltip(action, row.text)
        if row.tip:
            action.setStatusTip(row.tip)
        if row.icon_text:
            action.setIconText(row.icon_text)
        slot = operator.attrgetter(row.slot)(window)
        if row.checkable and not row.args:
            action.triggered.connect(slot)  # a switch: the slot takes the new state
        else:
            action.triggered.connect(partial(_call, slot, row.args))
        if row.group is not None:
            groups.setdefault(row.group, QActionGroup(window)).addAction(action)
        window.addAction(action)
        setattr(window, f"{row.id}_action", action)
        actions[row.id] = action
    return actions


def _call(slot: Callable, args: tuple, *_checked) -> None:
    """``slot(*args)``, leaving out the checked state ``triggered`` passes (a command, not a switch)."""
    slot(*args)


def fill_menus(bar: QMenuBar, actions: Mapping[str, QAction]) -> dict[str, QMenu]:
    """The menus of :data:`MENUS` on ``bar``; ``"@name"`` entries become empty submenus, returned by name."""
    made: dict[str, QMenu] = {}
    for title, entries in MENUS:
        menu = bar.addMenu(title)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            elif entry.startswith("@"):
                made[entry[1:]] = menu.addMenu(_SUBMENUS[entry[1:]])
            else:
                menu.addAction(actions[entry])
    return made


#: Titles of the submenus a window fills itself.
_SUBMENUS = {"recent": "Open &Recent"}


def fill_toolbar(bar: QToolBar, actions: Mapping[str, QAction], entries: tuple[str | None, ...]) -> None:
    """``entries`` (action ids, ``None`` separators, ``"label:TEXT"`` captions) on ``bar``."""
    for entry in entries:
        if entry is None:
            bar.addSeparator()
        elif entry.startswith("label:"):
            bar.addWidget(QLabel(f" {entry[6:]} "))
        else:
            bar.addAction(actions[entry])


def add_toolbars(window: QMainWindow, actions: Mapping[str, QAction], brush_bar: QToolBar) -> list[QToolBar]:
    """The toolbars of :data:`TOOLBARS` on ``window``, ``brush_bar`` after the first; returns all, left to right."""
    bars: list[QToolBar] = []
    for name, entries in TOOLBARS:
        bar = QToolBar(name.title(), window)
        bar.setObjectName(name)
        bar.setMovable(False)
        fill_toolbar(bar, actions, entries)
        window.addToolBar(bar)
        bars.append(bar)
        if len(bars) == 1:
            window.addToolBar(brush_bar)
            bars.append(brush_bar)
    return bars


def wrap_toolbars(window: QMainWindow, bars: list[QToolBar]) -> None:
    """Put the last of ``bars`` on a row of its own when they do not fit side by side in ``window`` (a
    narrow window would otherwise fold its commands, Find damage among them, behind a » button)."""
    last = bars[-1]
    wrap = sum(bar.sizeHint().width() for bar in bars) > window.width()
    if wrap != window.toolBarBreak(last):
        if wrap:
            window.insertToolBarBreak(last)
        else:
            window.removeToolBarBreak(last)


def update_enabled(actions: Mapping[str, QAction], conditions: Mapping[str, bool]) -> None:
    """Enable each action whose row's ``when`` holds in ``conditions`` (rows without one stay enabled)."""
    for row in ACTIONS:
        if row.when is not None:
            actions[row.id].setEnabled(bool(conditions[row.when]))
