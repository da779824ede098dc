"""Picture answers for the easy-read and children's kiosk: faces drawn with QPainter.

No image files and no text inside the pictures: each face is drawn from shapes, its meaning carried by
the mouth (and brows), not by colour alone. A thick dark outline on a light face keeps it visible
for someone with poor eyesight; the answer's words are always shown beside it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

INK = QColor("#212B32")
FACE = QColor("#FFF3B0")  # pale yellow: dark ink on it is well over 12:1
FACE_UNSURE = QColor("#E8EDEE")

#: mouth: (curve, open) curve > 0 smiles, < 0 frowns; brows: slant of the eyebrows (None: none)
SHAPES: dict[str, tuple[float, bool, float | None]] = {
    "very_good": (0.9, True, None),
    "good": (0.55, False, None),
    "neither": (0.0, False, None),
    "poor": (-0.5, False, None),
    "very_poor": (-0.9, False, 0.35),
    "dont_know": (0.0, False, None),
}


def paint_face(p: QPainter, rect: QRectF, answer: str) -> None:
    """Draw the face for ``answer`` inside ``rect`` (a square)."""
    curve, open_mouth, brows = SHAPES[answer]
    s = min(rect.width(), rect.height())
    c = rect.center()
    r = s * 0.44
    line = max(2.0, s * 0.055)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(INK, line, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    p.setBrush(FACE_UNSURE if answer == "dont_know" else FACE)
    p.drawEllipse(c, r, r)
    # eyes
    p.setBrush(INK)
    eye = r * 0.11
    for dx in (-0.36, 0.36):
        p.drawEllipse(QPointF(c.x() + dx * r, c.y() - 0.22 * r), eye, eye * 1.25)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if brows is not None:  # frowning brows for "very poor"
        for side in (-1, 1):
            x0, x1 = c.x() + side * 0.16 * r, c.x() + side * 0.56 * r
            p.drawLine(QPointF(x0, c.y() - 0.48 * r), QPointF(x1, c.y() - (0.48 + brows) * r))
    if answer == "dont_know":
        _question_mark(p, QRectF(c.x() + 0.15 * r, c.y() + 0.05 * r, 0.55 * r, 0.75 * r), line)
        p.drawLine(QPointF(c.x() - 0.45 * r, c.y() + 0.42 * r), QPointF(c.x() + 0.05 * r, c.y() + 0.42 * r))
        p.restore()
        return
    # mouth: a quadratic curve from corner to corner; the control point sets the smile or frown
    left = QPointF(c.x() - 0.5 * r, c.y() + 0.38 * r - curve * 0.12 * r)
    right = QPointF(c.x() + 0.5 * r, left.y())
    ctrl = QPointF(c.x(), left.y() + curve * 0.55 * r)
    mouth = QPainterPath(left)
    mouth.quadTo(ctrl, right)
    if open_mouth:
        mouth.quadTo(QPointF(c.x(), left.y() + 0.05 * r), left)
        p.setBrush(INK)
    p.drawPath(mouth)
    p.restore()


def _question_mark(p: QPainter, box: QRectF, line: float) -> None:
    """A question mark drawn as a path (a hook and a dot), not as a font glyph."""
    w, h = box.width(), box.height()
    path = QPainterPath(QPointF(box.left(), box.top() + 0.3 * h))
    path.cubicTo(QPointF(box.left(), box.top() - 0.05 * h), QPointF(box.right(), box.top() - 0.05 * h),
                 QPointF(box.right(), box.top() + 0.28 * h))
    path.cubicTo(QPointF(box.right(), box.top() + 0.45 * h), QPointF(box.left() + 0.5 * w, box.top() + 0.45 * h),
                 QPointF(box.left() + 0.5 * w, box.top() + 0.68 * h))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)
    p.setBrush(INK)
    p.drawEllipse(QPointF(box.left() + 0.5 * w, box.bottom()), line * 0.7, line * 0.7)
    p.setBrush(Qt.BrushStyle.NoBrush)


def face_pixmap(answer: str, size: int, dpr: float = 1.0) -> QPixmap:
    px = QPixmap(int(size * dpr), int(size * dpr))
    px.setDevicePixelRatio(dpr)
    px.fill(Qt.GlobalColor.transparent)
    p = QPainter(px)
    try:
        paint_face(p, QRectF(0, 0, size, size), answer)
    finally:
        p.end()
    return px


def face_icon(answer: str, size: int, dpr: float = 1.0) -> QIcon:
    return QIcon(face_pixmap(answer, size, dpr))
