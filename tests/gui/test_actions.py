"""The window's command table, the brush bar and the mask commands, each on its own."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

from restorer.editing.brush import BrushSettings
from restorer.editing.document import Document
from restorer.gui import actions
from restorer.images import photo_from_array


def _keys(row: actions.ActionSpec) -> list[str]:
    out = []
    for key in row.shortcuts:
        sequences = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [QKeySequence(key)]
        out += [s.toString() for s in sequences]
    return out


def test_every_listed_command_is_in_the_table_once():
    ids = [row.id for row in actions.ACTIONS]
    assert len(ids) == len(set(ids))
    listed = [entry for _title, entries in actions.MENUS for entry in entries]
    listed += [e for _name, entries in actions.TOOLBARS for e in entries] + list(actions.TOOLS)
    named = {e for e in listed if e is not None and not e.startswith(("@", "label:"))}
    assert named - set(ids) == set()
    # every command can be found in a menu (a toolbar-only command has no keyboard-free way in)
    in_menus = {e for _title, entries in actions.MENUS for e in entries}
    assert set(ids) - in_menus == set()


def test_no_shortcut_is_bound_twice(qapp):  # key bindings need a QGuiApplication
    # Qt fires neither of two actions sharing a shortcut ("ambiguous shortcut"), silently.
    seen: dict[str, str] = {}
    for row in actions.ACTIONS:
        for key in _keys(row):
            assert key not in seen, f"{key} is both {seen[key]} and {row.id}"
            seen[key] = row.id


def test_commands_are_enabled_by_their_condition(window, photo_rgb):
    window.set_document(None)
    assert not window.save_action.isEnabled() and not window.fit_action.isEnabled()
    assert window.open_action.isEnabled() and not window.undo_action.isEnabled()
    window.set_document(Document(photo_from_array(photo_rgb.copy())))
    assert window.save_action.isEnabled() and window.fit_action.isEnabled() and window.split_action.isEnabled()
    assert not window.undo_action.isEnabled()
    window.document.mask.stroke([(20.5, 20.5)], size=9)
    assert window.undo_action.isEnabled() and window.undo_action.text().startswith("&Undo ")


def test_a_command_row_calls_its_slot_with_its_arguments(window):
    window.bigger_action.trigger()
    assert window.brush.size > 40
    window.eraser_action.trigger()
    assert window.brush.tool == "eraser"
    window.show_mask_action.trigger()  # a switch: the slot gets the new state
    assert not window.show_mask_action.isChecked() and not window.canvas.mask_visible


def test_brush_bar_and_settings_follow_each_other(qtbot):
    from PySide6.QtGui import QAction

    from restorer.gui.brush_bar import BrushBar

    host = QWidget()
    qtbot.addWidget(host)
    brush = BrushSettings(size=30, hardness=0.5)
    tools = {name: QAction(name, host, checkable=True) for name in ("brush", "eraser", "select", "select-stroke")}
    bar = BrushBar(brush, tools, host)
    assert bar.size_slider.value() == 30 and bar.hardness_slider.value() == 50 and tools["brush"].isChecked()
    bar.size_slider.setValue(120)
    bar.hardness_slider.setValue(20)
    assert brush.size == 120 and brush.hardness == 0.2
    brush.size, brush.hardness, brush.tool = 7, 0.9, "select"
    assert bar.size_slider.value() == 7 and bar.hardness_slider.value() == 90 and tools["select"].isChecked()


def test_mask_commands_work_on_the_document_they_are_given(qtbot, tmp_path, photo_rgb):
    from PySide6.QtCore import QSettings

    from restorer.gui.mask_commands import MaskCommands

    host = QWidget()
    qtbot.addWidget(host)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    commands = MaskCommands(settings, lambda: str(tmp_path), host)
    said, failed = [], []
    commands.status.connect(lambda text, ms: said.append(text))
    commands.failed.connect(lambda title, text: failed.append(title))
    commands.clear()  # nothing open: nothing happens
    assert not commands.export_path(tmp_path / "m.png")
    document = Document(photo_from_array(photo_rgb.copy()))
    commands.document = document
    commands.invert()
    assert document.mask.mask.all()
    assert commands.export_path(tmp_path / "mask") and said == ["Mask saved to mask.png"]
    commands.clear()
    assert not document.mask.mask.any()
    assert commands.import_path(tmp_path / "mask.png") and document.mask.mask.all()
    assert not commands.import_path(tmp_path / "no-such.png") and failed == ["Cannot import the mask"]
    document.history.undo()
    assert not document.mask.mask.any()


def test_a_layout_saved_with_other_toolbars_is_not_restored(qtbot, registry, settings):
    from PySide6.QtWidgets import QToolBar

    from restorer.gui.window import LAYOUT_VERSION, MainWindow

    def toolbar_order(win):
        bars = win.findChildren(QToolBar)
        return [b.objectName() for b in sorted(bars, key=lambda b: b.geometry().x())]

    def shown_window(restore: bool) -> MainWindow:
        win = MainWindow(registry=registry, device="cpu", settings=settings, training=False)
        qtbot.addWidget(win)
        if restore:
            win.restore_layout()
        win.show()
        qtbot.waitExposed(win)
        return win

    window = shown_window(restore=False)
    assert toolbar_order(window) == ["file", "brush", "mask"]
    # A layout saved by an older version (other toolbars) with the brush bar moved first:
    window.removeToolBar(window.brush_bar)
    window.insertToolBar(window.findChild(QToolBar, "file"), window.brush_bar)
    window.brush_bar.show()
    settings.setValue("window/state", window.saveState(LAYOUT_VERSION - 1))
    assert toolbar_order(shown_window(restore=True)) == ["file", "brush", "mask"]
    # ... while a layout of this version is
    settings.setValue("window/state", window.saveState(LAYOUT_VERSION))
    assert toolbar_order(shown_window(restore=True)) == ["brush", "file", "mask"]


def test_a_narrow_window_puts_the_mask_bar_on_a_second_row(qtbot, registry, settings):
    from PySide6.QtWidgets import QToolBar

    from restorer.gui import actions
    from restorer.gui.window import MainWindow

    window = MainWindow(registry=registry, device="cpu", settings=settings, training=False)
    qtbot.addWidget(window)
    window.resize(1600, 700)
    window.show()
    qtbot.waitExposed(window)
    mask_bar, brush_bar = window.findChild(QToolBar, "mask"), window.brush_bar

    def mask_commands_shown() -> bool:
        ids = [entry for entry in dict(actions.TOOLBARS)["mask"] if entry and not entry.startswith("label:")]
        return all(mask_bar.widgetForAction(window.commands[i]).isVisible() for i in ids)

    assert mask_bar.geometry().y() == brush_bar.geometry().y() and mask_commands_shown()
    window.resize(800, 600)  # a small laptop screen: Find damage would hide behind the » button
    qtbot.waitUntil(lambda: mask_bar.geometry().y() > brush_bar.geometry().y())
    assert window.toolBarBreak(mask_bar) and mask_commands_shown()
    window.resize(1600, 700)
    qtbot.waitUntil(lambda: mask_bar.geometry().y() == brush_bar.geometry().y())
    assert not window.toolBarBreak(mask_bar) and mask_commands_shown()
