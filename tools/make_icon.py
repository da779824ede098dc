"""Draw the program's icon (NHS blue tile, white board with a tick) as PNG and ICO into resources/icons.

Run once after changing it: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tools/make_icon.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

OUT = Path(__file__).resolve().parents[1] / "hardtruths_desktop" / "resources" / "icons"


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64
    tile = QPainterPath()
    tile.addRoundedRect(QRectF(2 * s, 2 * s, 60 * s, 60 * s), 12 * s, 12 * s)
    p.fillPath(tile, QColor("#005eb8"))  # NHS blue
    board = QPainterPath()
    board.addRoundedRect(QRectF(14 * s, 12 * s, 36 * s, 42 * s), 4 * s, 4 * s)
    p.fillPath(board, QColor("white"))
    p.fillRect(QRectF(24 * s, 8 * s, 16 * s, 8 * s), QColor("#003087"))  # the clip of a clipboard
    pen = QPen(QColor("#007f3b"), 5 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.drawPolyline([QRectF(21 * s, 33 * s, 0, 0).topLeft(), QRectF(29 * s, 41 * s, 0, 0).topLeft(), QRectF(43 * s, 25 * s, 0, 0).topLeft()])
    p.end()
    return image


def main() -> int:
    QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    ok = draw(256).save(str(OUT / "ward-station.png"), "PNG")
    ok = draw(256).scaled(64, 64, mode=Qt.TransformationMode.SmoothTransformation).save(str(OUT / "ward-station.ico"), "ICO") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
