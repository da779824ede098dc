"""The "who's in charge" ward board: one shift per sheet, or the whole day on one sheet.

Sized to be read from three metres on A3 (the nurse in charge's name is about 90pt there); on A4
everything is about 0.7 times that, except the nurse in charge's name, which never goes below
:data:`NIC_FLOOR_PT` on any sheet: the uniform key gives way first.

Why 58pt: a person with 6/12 vision (the driving standard, and common among older patients with
their glasses on) can just read capitals that subtend 10 minutes of arc; at 5 metres that is
5000 mm x tan(10') = 14.5 mm. Arial and Noto Sans capitals are 0.716 and 0.714 of the type size, so
the type must be 14.5 / 0.714 = 20.3 mm = 57.6pt. (The 29pt the name used to fall to is what
perfect 6/6 vision can just make out at 5 metres, with nothing to spare.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hardtruths_desktop.printing.errors import LayoutOverflow
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
NIC_FLOOR_PT = 58.0
KEY_MIN_SCALE = 0.75  # the key stays while the rest of the sheet keeps 3/4 of its size


def in_progress(board_date: date, shift: ShiftBoardRow, now: datetime) -> bool:
    """Whether ``shift`` on ``board_date`` is under way at ``now`` (local wall-clock times)."""
    start = datetime.combine(board_date, shift.starts)
    end = datetime.combine(board_date, shift.ends)
    if end <= start:  # a night shift ends the next morning
        end += timedelta(days=1)
    return start <= now < end


def updated_text(updated_at: datetime, today: date) -> str:
    """ "14:32", or "14:32 on Monday 23 November 2026" when it was not today."""
    if updated_at.date() == today:
        return hhmm(updated_at)
    return f"{hhmm(updated_at)} on {long_date(updated_at.date())}"


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


def _staffing_grid(sheet: Sheet, groups: tuple[StaffGroupLine, ...], now: bool) -> Grid:
    """Planned and actual heads per group; "On duty now" only while the shift is under way."""
    k = sheet.k
    head: list[Block] = [
        Text("Staff group", 15 * k, bold=True, colour=NHS_BLUE, max_lines=2),
        Text("Planned", 15 * k, bold=True, colour=NHS_BLUE, align="right", max_lines=2),
        Text("On duty now" if now else "On duty", 15 * k, bold=True, colour=NHS_BLUE, align="right", max_lines=2),
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


def mismatch_note(sheet: Sheet, lines: tuple[str, ...], size: float = 14) -> list[Block]:
    """Said on the sheet, never silently: the names ticked on duty differ from the numbers."""
    if not lines:
        return []
    k = sheet.k
    return [Spacer(6 * k),
            Text("Please note: the names on the team sheet and these numbers differ: " + "; ".join(lines), size * k, bold=True,
                 max_lines=4)]


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
        now = in_progress(view.board_date, shift, view.produced_at)
        when = [
            Text(long_date(view.board_date), 26 * k, bold=True, colour=NHS_BLUE, max_lines=1),
            Text(shift_title(shift), 26 * k, bold=True, max_lines=2, gap_after=8 * k),
        ]
        in_charge = Box(
            Stack(
                [
                    Text("Nurse in charge", 20 * k, bold=True, colour=NHS_BLUE),
                    Text(shift.nurse_in_charge, max(64 * k, NIC_FLOOR_PT), bold=True, max_lines=3, min_size=NIC_FLOOR_PT, single_line_down_to=0.6),
                ]
            ),
            padding=8 * k,
            left_bar=NHS_BLUE,
            bar_width=8 * k,
        )
        updated = (
            [Text(f"Staffing numbers updated at {updated_text(shift.updated_at, view.produced_at.date())}", 14 * k, colour=TEXT, max_lines=2)]
            if shift.updated_at is not None
            else []
        )
        staffing: list[Block] = [
            Text("Staff on this shift", 17 * k, bold=True, colour=NHS_BLUE, gap_after=4 * k),
            _staffing_grid(sheet, shift.staff_groups, now),
            *_not_recorded_note(sheet, shift.staff_groups),
            *mismatch_note(sheet, shift.mismatch),
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
        key = _key_box(sheet, view.uniform_key, key_columns)
        sheet.place(_with_key_if_room(sheet, view, body, key))
        return sheet.finish()


def _fits(sheet: Sheet, view: DayBoardView, blocks: list[Block], extra: str) -> bool:
    stack = page_stack(sheet, view.trust, view.ward, view.produced_at, blocks, extra)
    return sheet.fitting_scale(stack, sheet.content_width, sheet.content_height) is not None


def _shift_heading(view: DayBoardView, shift: ShiftBoardRow) -> str:
    return shift.shift_name + (" (now)" if in_progress(view.board_date, shift, view.produced_at) else "")


def _key_box(sheet: Sheet, entries: tuple[UniformKeyEntry, ...], columns: int) -> list[Block]:
    if not entries:
        return []
    k = sheet.k
    return [Spacer(14 * k), Box(Stack(uniform_key(sheet, entries, columns)), padding=8 * k, border=PALE_GREY)]


def _with_key_if_room(sheet: Sheet, view: BoardView | DayBoardView, body: list[Block], key: list[Block]) -> Stack:
    """The sheet with the uniform key if there is room for it; else without it.

    The key gives way first: it is dropped when keeping it would shrink the rest of the sheet by
    more than a quarter (the nurse in charge's name never goes below :data:`NIC_FLOOR_PT` either way).
    """
    on_screen = getattr(view, "on_screen", False)
    bare = page_stack(sheet, view.trust, view.ward, view.produced_at, body, on_screen=on_screen)
    if not key:
        return bare
    keyed = page_stack(sheet, view.trust, view.ward, view.produced_at, [*body, *key], on_screen=on_screen)
    width, height = sheet.content_width, sheet.content_height
    with_key = sheet.fitting_scale(keyed, width, height)
    without = sheet.fitting_scale(bare, width, height)
    if with_key is not None and (without is None or with_key >= min(without, KEY_MIN_SCALE)):
        return keyed
    return bare


def render_day_board(
    view: DayBoardView,
    page: PageSpec,
    *,
    fonts: FontChain | None = None,
    unprintable: Unprintable = "raise",
) -> bytes:
    """All of one day's shifts on one sheet: the nurses in charge one to a line, then the staffing
    numbers with one column per shift. When the nurses' names at :data:`NIC_FLOOR_PT` and the
    numbers cannot share one sheet, the key is left out and the board runs on to a second sheet."""
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
        today = view.produced_at.date()
        rows.append([cell("Updated at", 14), *(cell(updated_text(s.updated_at, today) if s.updated_at else NOT_PLANNED, 14) for s in shifts)])
        grid = Grid(rows, [1.6] + [2.0] * len(shifts), col_gap=12 * k, row_pad=5 * k)
        note: list[Block] = [Text("* Not counted in the planned / on duty numbers.", 13 * k, max_lines=2)] if extra_labels else []
        for s in shifts:  # names ticked and numbers that differ are said, per shift
            if s.mismatch:
                note += mismatch_note(sheet, tuple(f"{s.shift_name}: {m}" for m in s.mismatch), 13)
        # The nurses in charge span the sheet, one shift a line, so their names stay large.
        # The nurses in charge span the sheet, one shift a line, so their names stay large:
        # below the shift on portrait paper, beside it on landscape (where height is short).
        nic_rows: list[Block] = []
        for s in shifts:
            name = Text(s.nurse_in_charge, max(48 * k, NIC_FLOOR_PT), bold=True, max_lines=3, min_size=NIC_FLOOR_PT, single_line_down_to=0.8)
            if page.landscape:
                when = Stack(
                    [
                        Text(_shift_heading(view, s), 20 * k, bold=True, colour=NHS_BLUE, max_lines=2),
                        Text(f"{hhmm(s.starts)} to {hhmm(s.ends)}", 15 * k, max_lines=1),
                    ]
                )
                nic_rows.append(Row([when, name], weights=[1, 4], gap=12 * k))
            else:
                heading = Text(f"{_shift_heading(view, s)}: {hhmm(s.starts)} to {hhmm(s.ends)}", 17 * k, bold=True, colour=NHS_BLUE, max_lines=2)
                nic_rows.append(Stack([heading, name]))
        nic_blocks: list[Block] = [
            Box(
                Stack([Text("Nurse in charge", 17 * k, bold=True, colour=NHS_BLUE), row] if i == 0 else [row]),
                padding=4 * k,
                left_bar=NHS_BLUE,
                bar_width=8 * k,
            )
            for i, row in enumerate(nic_rows)
        ]
        title = Text(f"Who's in charge today: {long_date(view.board_date)}", 26 * k, bold=True, colour=NHS_BLUE, max_lines=2, gap_after=8 * k)
        body: list[Block] = [title, _people(sheet, view, 22), Spacer(12 * k), *nic_blocks, Spacer(12 * k), grid, *note]
        columns = 3 if page.landscape else 2
        single = _with_key_if_room(sheet, view, body, _key_box(sheet, view.uniform_key, columns))
        if sheet.fitting_scale(single, sheet.content_width, sheet.content_height) is not None:
            sheet.place(single)
            return sheet.finish()
        # Too much for one sheet at readable sizes (long names, many staff groups): the key is
        # left out and the rest runs on to further sheets, the nurses in charge first.
        continued = Text(f"Who's in charge today: {long_date(view.board_date)} (continued)", 20 * k, bold=True, colour=NHS_BLUE, max_lines=2, gap_after=8 * k)
        pages: list[list[Block]] = [[]]
        for block in body:
            if _fits(sheet, view, [*pages[-1], block], ""):
                pages[-1].append(block)
                continue
            if isinstance(block, Spacer):
                continue
            if not pages[-1] or not _fits(sheet, view, [continued, block], ""):
                raise LayoutOverflow("the day board does not fit even with one item on a sheet: try A3 paper")
            pages.append([continued, block])
        for number, blocks in enumerate(pages, start=1):
            if number > 1:
                sheet.new_page()
            note_text = f"Sheet {number} of {len(pages)}" + (", continued overleaf" if number < len(pages) else "")
            sheet.place(page_stack(sheet, view.trust, view.ward, view.produced_at, blocks, note_text))
        return sheet.finish()
