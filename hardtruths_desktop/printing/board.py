"""The "who's in charge" ward board: one shift per sheet, or the whole day on one sheet.

Sized to be read from three metres on A3 (the nurse in charge's name is about 90pt there); on A4
everything is about 0.7 times that.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardtruths_desktop.printing.fonts import FontChain
from hardtruths_desktop.printing.layout import (
    NHS_BLUE,
    PALE_GREY,
    TEXT,
    Block,
    Box,
    Grid,
    Row,
    Sheet,
    Spacer,
    Stack,
    Swatch,
    Text,
    Unprintable,
    hhmm,
    long_date,
    open_sheet,
    page_stack,
)
from hardtruths_desktop.printing.models import (
    BoardView,
    DayBoardView,
    PageSpec,
    ShiftBoardRow,
    StaffGroupLine,
    UniformKeyEntry,
)

NOT_PLANNED = "\u2013"


def _count(n: int | None) -> str:
    return NOT_PLANNED if n is None else str(n)


def shift_title(shift: ShiftBoardRow) -> str:
    return f"{shift.shift_name} shift, {hhmm(shift.starts)} to {hhmm(shift.ends)}"


@dataclass
class _KeyItem(Block):
    """A uniform colour swatch beside the role and the colour's name (never colour alone)."""

    entry: UniformKeyEntry
    k: float

    def _parts(self) -> tuple[Swatch, Stack]:
        return (
            Swatch(self.entry.colour_hex, 30 * self.k),
            Stack(
                [
                    Text(self.entry.role, 15 * self.k, bold=True, max_lines=2),
                    Text(self.entry.colour_name, 13 * self.k, max_lines=2),
                ]
            ),
        )

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        swatch, text = self._parts()
        side = swatch.height(sheet, width, scale)
        return max(side, text.height(sheet, width - side - 8 * scale, scale))

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        swatch, text = self._parts()
        side = swatch.height(sheet, width, scale)
        swatch.draw(sheet, x, top, width, scale)
        text.draw(sheet, x + side + 8 * scale, top, width - side - 8 * scale, scale)


def uniform_key(sheet: Sheet, entries: tuple[UniformKeyEntry, ...], columns: int) -> list[Block]:
    if not entries:
        return []
    k = sheet.k
    rows: list[Block] = []
    for start in range(0, len(entries), columns):
        chunk: list[Block] = [_KeyItem(e, k) for e in entries[start : start + columns]]
        chunk += [Spacer(0)] * (columns - len(chunk))
        rows.append(Row(chunk, gap=14 * k))
    return [
        Text("Who is who: our uniforms", 17 * k, bold=True, colour=NHS_BLUE, gap_after=6 * k),
        Stack(rows, gap=10 * k),
    ]


def _staffing_grid(sheet: Sheet, groups: tuple[StaffGroupLine, ...]) -> Grid:
    k = sheet.k
    head: list[Block] = [
        Text("Staff group", 15 * k, bold=True, colour=NHS_BLUE, max_lines=2),
        Text("Planned", 15 * k, bold=True, colour=NHS_BLUE, align="right", max_lines=2),
        Text("On duty now", 15 * k, bold=True, colour=NHS_BLUE, align="right", max_lines=2),
    ]
    rows: list[list[Block]] = [head]
    for g in groups:
        rows.append(
            [
                Text(g.label, 20 * k, max_lines=2),
                Text(_count(g.planned), 30 * k, bold=True, align="right", max_lines=1),
                Text(_count(g.actual), 30 * k, bold=True, align="right", max_lines=1),
            ]
        )
    return Grid(rows, [2.6, 1, 1.3], col_gap=10 * k, row_pad=4 * k)


def _not_recorded_note(sheet: Sheet, groups: tuple[StaffGroupLine, ...]) -> list[Block]:
    if all(g.actual is not None for g in groups):
        return []
    return [Text("Staff on duty not recorded yet for this shift", 16 * sheet.k, bold=True, max_lines=2)]


def _additional(sheet: Sheet, extra: tuple[StaffGroupLine, ...]) -> list[Block]:
    if not extra:
        return []
    k = sheet.k
    parts = "  \u00b7  ".join(f"{g.label}: {_count(g.actual)}" for g in extra)
    return [
        Spacer(8 * k),
        Text("Also on the ward, not counted above", 14 * k, bold=True, colour=NHS_BLUE),
        Text(parts, 18 * k, max_lines=3),
    ]


def _people(sheet: Sheet, view: BoardView | DayBoardView, size: float) -> Row:
    k = sheet.k

    def person(label: str, name: str) -> Stack:
        return Stack(
            [
                Text(label, 14 * k, bold=True, colour=NHS_BLUE),
                Text(name, size * k, bold=True, max_lines=2, min_size=14, single_line_down_to=0.75),
            ]
        )

    return Row([person("Ward manager", view.ward_manager), person("Matron", view.matron)], gap=16 * k)


def render_board(
    view: BoardView,
    page: PageSpec,
    *,
    fonts: FontChain | None = None,
    unprintable: Unprintable = "raise",
) -> bytes:
    """The board for one shift as PDF bytes (one page).

    Raises UnprintableCharacters when some text cannot be drawn (unless ``unprintable="mark"``, which
    prints '?' in its place) and LayoutOverflow when the content cannot fit at 12pt.
    """
    with open_sheet(
        page,
        title=f"Who's in charge: {view.ward}, {long_date(view.board_date)}, {view.shift.shift_name}",
        author=view.trust,
        fonts=fonts,
        unprintable=unprintable,
    ) as sheet:
        k = sheet.k
        shift = view.shift
        when = [
            Text(long_date(view.board_date), 26 * k, bold=True, colour=NHS_BLUE, max_lines=1),
            Text(shift_title(shift), 26 * k, bold=True, max_lines=2, gap_after=8 * k),
        ]
        in_charge = Box(
            Stack(
                [
                    Text("Nurse in charge", 20 * k, bold=True, colour=NHS_BLUE),
                    Text(shift.nurse_in_charge, 64 * k, bold=True, max_lines=2, min_size=20, single_line_down_to=0.6),
                ]
            ),
            padding=8 * k,
            left_bar=NHS_BLUE,
            bar_width=8 * k,
        )
        updated = [Text(f"Staffing numbers updated at {hhmm(shift.updated_at)}", 14 * k, colour=TEXT)] if shift.updated_at is not None else []
        staffing: list[Block] = [
            Text("Staff on this shift", 17 * k, bold=True, colour=NHS_BLUE, gap_after=4 * k),
            _staffing_grid(sheet, shift.staff_groups),
            *_not_recorded_note(sheet, shift.staff_groups),
            *_additional(sheet, shift.additional),
            Spacer(6 * k),
            *updated,
        ]
        key_columns = 3 if page.landscape else 2
        if page.landscape:
            # The nurse in charge spans the sheet so the name stays on one line at full size.
            people = Stack(
                [
                    Text("Ward manager", 14 * k, bold=True, colour=NHS_BLUE),
                    Text(view.ward_manager, 24 * k, bold=True, max_lines=2, min_size=14),
                    Spacer(10 * k),
                    Text("Matron", 14 * k, bold=True, colour=NHS_BLUE),
                    Text(view.matron, 24 * k, bold=True, max_lines=2, min_size=14),
                ]
            )
            body: list[Block] = [
                Row([Stack(when[:1]), Stack(when[1:])], weights=[1, 1.05], gap=28 * k),
                in_charge,
                Spacer(12 * k),
                Row([people, Stack(staffing)], weights=[0.8, 1.25], gap=28 * k),
            ]
        else:
            body = [
                *when,
                in_charge,
                Spacer(12 * k),
                _people(sheet, view, 24),
                Spacer(14 * k),
                *staffing,
            ]
        if view.uniform_key:
            body += [Spacer(14 * k), Box(Stack(uniform_key(sheet, view.uniform_key, key_columns)), padding=8 * k, fill=None, border=PALE_GREY)]
        sheet.place(page_stack(sheet, view.trust, view.ward, view.produced_at, body))
        return sheet.finish()


def render_day_board(
    view: DayBoardView,
    page: PageSpec,
    *,
    fonts: FontChain | None = None,
    unprintable: Unprintable = "raise",
) -> bytes:
    """All of one day's shifts on one sheet: one column per shift."""
    with open_sheet(
        page, title=f"Who's in charge today: {view.ward}, {long_date(view.board_date)}", author=view.trust, fonts=fonts, unprintable=unprintable
    ) as sheet:
        k = sheet.k
        shifts = view.shifts
        labels: list[str] = []
        for s in shifts:
            for g in s.staff_groups:
                if g.label not in labels:
                    labels.append(g.label)
        extra_labels: list[str] = []
        for s in shifts:
            for g in s.additional:
                if g.label not in extra_labels:
                    extra_labels.append(g.label)

        def cell(text: str, size: float, *, bold: bool = False, lines: int = 2) -> Text:
            return Text(text, size * k, bold=bold, max_lines=lines, min_size=12)

        head: list[Block] = [Text("Planned / on duty", 14 * k, bold=True, colour=NHS_BLUE, max_lines=3, min_size=12)] + [
            Stack(
                [
                    Text(s.shift_name, 22 * k, bold=True, colour=NHS_BLUE, max_lines=2),
                    Text(f"{hhmm(s.starts)} to {hhmm(s.ends)}", 15 * k, max_lines=1),
                ]
            )
            for s in shifts
        ]
        rows: list[list[Block]] = [head]
        rows.append(
            [Text("Nurse in charge", 15 * k, bold=True, colour=NHS_BLUE, max_lines=2), *(cell(s.nurse_in_charge, 26, bold=True, lines=3) for s in shifts)]
        )
        for label in labels:
            row: list[Block] = [cell(label, 15, lines=3)]
            for s in shifts:
                match = next((g for g in s.staff_groups if g.label == label), None)
                text = NOT_PLANNED if match is None else f"{_count(match.planned)} / {_count(match.actual)}"
                row.append(cell(text, 26, bold=True, lines=1))
            rows.append(row)
        for label in extra_labels:
            row = [cell(label + " *", 15, lines=3)]
            for s in shifts:
                match = next((g for g in s.additional if g.label == label), None)
                row.append(cell(NOT_PLANNED if match is None else _count(match.actual), 20, lines=1))
            rows.append(row)
        rows.append([cell("Updated at", 14), *(cell(hhmm(s.updated_at) if s.updated_at else NOT_PLANNED, 14) for s in shifts)])
        grid = Grid(rows, [1.6] + [2.0] * len(shifts), col_gap=12 * k, row_pad=5 * k)
        note: list[Block] = [Text("* Not counted in the planned / on duty numbers.", 13 * k, max_lines=2)] if extra_labels else []
        body: list[Block] = [
            Text(
                f"Who's in charge today: {long_date(view.board_date)}",
                26 * k,
                bold=True,
                colour=NHS_BLUE,
                max_lines=2,
                gap_after=8 * k,
            ),
            _people(sheet, view, 22),
            Spacer(12 * k),
            grid,
            *note,
        ]
        if view.uniform_key:
            columns = 3 if page.landscape else 2
            body += [Spacer(14 * k), Box(Stack(uniform_key(sheet, view.uniform_key, columns)), padding=8 * k, border=PALE_GREY)]
        sheet.place(page_stack(sheet, view.trust, view.ward, view.produced_at, body))
        return sheet.finish()
