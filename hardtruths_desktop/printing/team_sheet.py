""" "Hello my name is": the team on duty for one shift, grouped by staff group, no photos.

A long team list continues on further sheets, each with the heading and footer.
"""

from __future__ import annotations

from hardtruths_desktop.printing.errors import LayoutOverflow
from hardtruths_desktop.printing.fonts import FontChain
from hardtruths_desktop.printing.layout import (
    NHS_BLUE,
    Block,
    Row,
    Spacer,
    Stack,
    Text,
    Unprintable,
    hhmm,
    long_date,
    open_sheet,
    page_stack,
)
from hardtruths_desktop.printing.models import PageSpec, TeamMember, TeamSheetView


def group_by_role(view: TeamSheetView) -> list[tuple[str, list[TeamMember]]]:
    """Staff groups in the given order, then any other alphabetically; names keep their order."""
    groups: dict[str, list[TeamMember]] = {}
    for member in view.members:
        groups.setdefault(member.heading, []).append(member)
    known = [r for r in view.role_order if r in groups]
    others = sorted((r for r in groups if r not in view.role_order), key=str.casefold)
    return [(role, groups[role]) for role in known + others]


def _plural(role: str, n: int) -> str:
    if n == 1 or role.endswith("s") or role.lower().endswith("staff"):
        return role
    return role + "s"


def _member_block(member: TeamMember, k: float) -> Block:
    lines: list[Block] = [Text(member.name, 22 * k, bold=True, max_lines=2, min_size=14, single_line_down_to=0.7)]
    if member.title.strip():
        lines.append(Text(member.title, 14 * k, max_lines=2))
    if member.in_charge:
        lines.append(Text("Nurse in charge", 14 * k, bold=True, colour=NHS_BLUE, max_lines=1))
    return Stack(lines)


def render_team_sheet(
    view: TeamSheetView,
    page: PageSpec,
    *,
    fonts: FontChain | None = None,
    unprintable: Unprintable = "raise",
) -> bytes:
    """The team sheet as PDF bytes (one or more sheets)."""
    with open_sheet(
        page, title=f"Hello my name is: {view.ward}, {long_date(view.sheet_date)}", author=view.trust, fonts=fonts, unprintable=unprintable
    ) as sheet:
        k = sheet.k
        columns = 3 if page.landscape else 2
        heading: list[Block] = [
            Text("Hello, my name is\u2026", 40 * k, bold=True, colour=NHS_BLUE, max_lines=1),
            Text(
                f"The team looking after you: {view.shift_name} shift, {hhmm(view.starts)} to {hhmm(view.ends)}, {long_date(view.sheet_date)}",
                18 * k,
                bold=True,
                max_lines=3,
                gap_after=6 * k,
            ),
        ]
        if view.mismatch:  # never silently: the board's numbers say otherwise
            heading.append(Text("Please note: these names and the numbers on the ward board differ: " + "; ".join(view.mismatch),
                                14 * k, bold=True, max_lines=4, gap_after=4 * k))
        # Each role: a heading, then rows of names; a role may split across sheets by rows.
        pieces: list[tuple[Block, Block | None]] = []  # (block, role heading to repeat)
        for role, members in group_by_role(view):
            label = role if any(m.group for m in members) else _plural(role, len(members))
            role_head = Text(label, 20 * k, bold=True, colour=NHS_BLUE, max_lines=2, gap_after=4 * k)
            for start in range(0, len(members), columns):
                chunk: list[Block] = [_member_block(m, k) for m in members[start : start + columns]]
                chunk += [Spacer(0)] * (columns - len(chunk))
                row = Row(chunk, gap=16 * k)
                if start == 0:
                    pieces.append((Stack([Spacer(10 * k), role_head, row]), role_head))
                else:
                    pieces.append((Stack([Spacer(6 * k), row]), role_head))

        def fits(blocks: list[Block]) -> bool:
            stack = page_stack(sheet, view.trust, view.ward, view.produced_at, blocks)
            # Do not shrink names below 70% of their size to squeeze a sheet: continue instead.
            return sheet.fitting_scale(stack, sheet.content_width, sheet.content_height, min_scale=0.7) is not None

        pages: list[list[Block]] = [list(heading)]
        for block, repeat_head in pieces:
            if fits([*pages[-1], block]):
                pages[-1].append(block)
                continue
            fresh: list[Block] = [heading[0], Spacer(6 * k)]
            if repeat_head is not None:
                fresh.append(repeat_head)
            fresh.append(block)
            if not fits(fresh):
                raise LayoutOverflow("a team sheet row does not fit one sheet")
            pages.append(fresh)
        for number, blocks in enumerate(pages):
            if number:
                sheet.new_page()
            stack = page_stack(sheet, view.trust, view.ward, view.produced_at, blocks)
            sheet.place(stack, min_scale=0.7)
        return sheet.finish()
