"""What the canvas draws over the photo: labels, the split view's divider, the brush outline, a selection
path and box."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen


def badge(painter: QPainter, text: str, at: QPointF = QPointF(10, 10), *, right_aligned: bool = False) -> None:
    """A label (top-left corner by default), so a person knows what they are looking at."""
    metrics = painter.fontMetrics()
    width = metrics.horizontalAdvance(text) + 20
    x = at.x() - width if right_aligned else at.x()
    box = QRect(round(x), round(at.y()), width, metrics.height() + 10)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 170))
    painter.drawRoundedRect(box, 6, 6)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def divider(painter: QPainter, x: float, height: float) -> None:
    """The split view's divider at ``x``, with "Original" left of it and "Now" right of it."""
    painter.setPen(QPen(QColor(0, 0, 0, 160), 3))
    painter.drawLine(QPointF(x, 0), QPointF(x, height))
    painter.setPen(QPen(QColor(255, 255, 255), 1))
    painter.drawLine(QPointF(x, 0), QPointF(x, height))
    badge(painter, "Original", QPointF(x - 10, 10), right_aligned=True)
    badge(painter, "Now", QPointF(x + 10, 10))


def path(painter: QPainter, points: Sequence[QPointF], width: float) -> None:
    """A Smart Select stroke so far, ``width`` screen pixels wide (the brush's size)."""
    painter.setPen(QPen(QColor(255, 200, 40, 150), max(1.0, width), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                        Qt.PenJoinStyle.RoundJoin))
    painter.drawPolyline(list(points))


def box(painter: QPainter, rect: QRectF, *, pending: bool = False) -> None:
    """Smart Select's box: a solid outline while it is dragged; dashed over a light tint while the object
    in it is being found (``pending``), so the person sees what is being worked on."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setBrush(QColor(255, 200, 40, 30) if pending else Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(0, 0, 0, 180), 3))
    painter.drawRect(rect)
    painter.setPen(QPen(QColor(255, 200, 40), 1, Qt.PenStyle.DashLine if pending else Qt.PenStyle.SolidLine))
    painter.drawRect(rect)


def brush_outline(painter: QPainter, centre: QPointF, radius: float, *, painting: bool, hardness: float) -> None:
    """The brush's circle (white when it paints the mask; blue for the eraser and a selection stroke),
    and a dashed inner circle where a soft edge begins."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(0, 0, 0, 200), 3))
    painter.drawEllipse(centre, radius, radius)
    painter.setPen(QPen(QColor(255, 255, 255) if painting else QColor(120, 200, 255), 1))
    painter.drawEllipse(centre, radius, radius)
    if hardness < 1 and radius * (1 - hardness) >= 2:
        inner = radius * hardness
        painter.setPen(QPen(QColor(255, 255, 255, 160), 1, Qt.PenStyle.DashLine))
        painter.drawEllipse(centre, inner, inner)
