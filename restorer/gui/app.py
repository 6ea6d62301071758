"""Starting the window: ``restorer`` and ``restorer gui [PHOTO]`` land here."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from restorer.gui.window import MainWindow
from restorer.resources import sample_mask_path, sample_photo_path


def apply_theme(app: QApplication) -> None:
    """A dark Fusion theme, as photo editors use: the photo is the brightest thing on screen."""
    app.setStyle("Fusion")
    palette = QPalette()
    base, window, text = QColor(30, 30, 33), QColor(48, 48, 52), QColor(225, 225, 228)
    palette.setColor(QPalette.ColorRole.Window, window)
    palette.setColor(QPalette.ColorRole.WindowText, text)
    palette.setColor(QPalette.ColorRole.Base, base)
    palette.setColor(QPalette.ColorRole.AlternateBase, window)
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(60, 60, 64))
    palette.setColor(QPalette.ColorRole.ToolTipText, text)
    palette.setColor(QPalette.ColorRole.Text, text)
    palette.setColor(QPalette.ColorRole.Button, QColor(58, 58, 63))
    palette.setColor(QPalette.ColorRole.ButtonText, text)
    palette.setColor(QPalette.ColorRole.Highlight, QColor(64, 128, 220))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(140, 140, 145))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 125))
    app.setPalette(palette)
    # A pressed toggle (Split) in the highlight colour: Fusion's own checked shade is hard to tell in the dark.
    app.setStyleSheet("QPushButton#run { font-weight: bold; }"
                      "QPushButton:checked { background-color: #3a5f96; border: 1px solid #4080dc;"
                      " border-radius: 3px; color: white; padding: 3px 8px; }"
                      "QLabel#description { color: #b8b8bd; }"
                      # The toolbar's "more commands" arrow of a narrow window: visible on the dark theme.
                      "QToolBarExtension { background-color: #6a6a72; border-radius: 3px; }")


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication, named so settings (recent files) have a home."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Restorer")
    app.setOrganizationName("Restorer")
    app.setApplicationDisplayName("Restorer")
    apply_theme(app)
    return app


def open_window(photo: str | None = None, mask: str | None = None) -> MainWindow:
    """Show a window at once, then open the photo (default: the bundled damaged sample) and load the models."""
    window = MainWindow(training=True)
    window.restore_layout()
    window.show()

    def fill() -> None:
        if photo:
            window.open_path(photo, mask)
        elif sample_photo_path().exists():
            sample_mask = sample_mask_path() if sample_mask_path().exists() else None
            window.open_path(sample_photo_path(), mask or sample_mask, remember=False)
        window.run_control.start_background_loading()

    QTimer.singleShot(0, fill)
    return window


def main(photo: str | None = None, mask: str | None = None) -> int:
    """Open the main window and run the event loop; the exit status."""
    app = create_app()
    if photo is not None and not Path(photo).exists():
        print(f"restorer: error: {photo}: no such file", file=sys.stderr)
        return 2
    window = open_window(photo, mask)  # noqa: F841 - kept alive by the event loop
    from restorer.jobs import cancel_all

    app.aboutToQuit.connect(cancel_all)  # no worker may keep the process alive after the window closed
    return app.exec()
