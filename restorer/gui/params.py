"""A control for each kind of model parameter, built from its :class:`~restorer.models.Param`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLineEdit, QSpinBox,
                               QWidget)
from superqt import QLabeledDoubleSlider, QLabeledSlider

from restorer.models import Param

#: An int range up to this many steps gets a slider, a wider one a spin box.
SLIDER_STEPS = 1000
_BIG = 1e9


class ParamControl(QWidget):
    """Base: one parameter's widget with ``value()``/``set_value()`` and a ``changed`` signal."""

    changed = Signal()

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(parent)
        self.param = param
        self.setToolTip(param.help)

    def value(self) -> Any:  # noqa: D102
        raise NotImplementedError

    def set_value(self, value: Any) -> None:  # noqa: D102
        raise NotImplementedError

    def reset(self) -> None:
        """Back to the declared default."""
        self.set_value(self.param.default)


def _wrap(control: ParamControl, widget: QWidget, signal) -> None:
    layout = QFormLayout(control)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addRow(widget)
    signal.connect(lambda *_: control.changed.emit())


class IntControl(ParamControl):
    """A labeled slider for a bounded int, a spin box otherwise."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        low = int(param.min) if param.min is not None else -int(_BIG)
        high = int(param.max) if param.max is not None else int(_BIG)
        if param.min is not None and param.max is not None and high - low <= SLIDER_STEPS:
            self.widget = QLabeledSlider(Qt.Orientation.Horizontal)
            self.widget.setRange(low, high)
            signal = self.widget.valueChanged
        else:
            self.widget = QSpinBox()
            self.widget.setRange(max(low, -2**31 + 1), min(high, 2**31 - 1))
            signal = self.widget.valueChanged
        self.widget.setValue(int(param.default))
        _wrap(self, self.widget, signal)

    def value(self) -> int:  # noqa: D102
        return int(self.widget.value())

    def set_value(self, value: Any) -> None:  # noqa: D102
        self.widget.setValue(int(value))


class FloatControl(ParamControl):
    """A labeled slider for a bounded float, a spin box otherwise."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        if param.min is not None and param.max is not None:
            self.widget = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
            self.widget.setRange(float(param.min), float(param.max))
            span = float(param.max) - float(param.min)
            self.widget.setDecimals(3 if span <= 1 else 2 if span <= 100 else 1)
        else:
            self.widget = QDoubleSpinBox()
            self.widget.setDecimals(3)
            self.widget.setRange(param.min if param.min is not None else -_BIG,
                                 param.max if param.max is not None else _BIG)
        self.widget.setValue(float(param.default))
        _wrap(self, self.widget, self.widget.valueChanged)

    def value(self) -> float:  # noqa: D102
        value = float(self.widget.value())
        # Slider steps can land a hair outside the declared range; the model validates strictly.
        if self.param.min is not None:
            value = max(float(self.param.min), value)
        if self.param.max is not None:
            value = min(float(self.param.max), value)
        return value

    def set_value(self, value: Any) -> None:  # noqa: D102
        self.widget.setValue(float(value))


class BoolControl(ParamControl):
    """A check box."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        self.widget = QCheckBox(param.label)
        self.widget.setChecked(bool(param.default))
        _wrap(self, self.widget, self.widget.toggled)

    def value(self) -> bool:  # noqa: D102
        return self.widget.isChecked()

    def set_value(self, value: Any) -> None:  # noqa: D102
        self.widget.setChecked(bool(value))


class ChoiceControl(ParamControl):
    """A combo box of the declared choices."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        self.widget = QComboBox()
        self.widget.addItems(list(param.choices))
        self.widget.setCurrentText(str(param.default))
        _wrap(self, self.widget, self.widget.currentIndexChanged)

    def value(self) -> str:  # noqa: D102
        return self.widget.currentText()

    def set_value(self, value: Any) -> None:  # noqa: D102
        self.widget.setCurrentText(str(value))


class TextControl(ParamControl):
    """A line of text."""

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(param, parent)
        self.widget = QLineEdit(str(param.default))
        _wrap(self, self.widget, self.widget.textChanged)

    def value(self) -> str:  # noqa: D102
        return self.widget.text()

    def set_value(self, value: Any) -> None:  # noqa: D102
        self.widget.setText(str(value))


_CONTROLS = {"int": IntControl, "float": FloatControl, "bool": BoolControl, "choice": ChoiceControl,
             "str": TextControl}


def make_control(param: Param, parent: QWidget | None = None) -> ParamControl:
    """The control for ``param``'s kind, set to its default."""
    return _CONTROLS[param.kind](param, parent)
