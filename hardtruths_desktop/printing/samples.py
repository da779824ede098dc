"""Demo view-models for every sheet: used by tests, the benchmark, docs images and self-checks.

All names and contact details are invented (phone numbers from Ofcom's drama range).
"""

from __future__ import annotations

from datetime import date, datetime, time

from hardtruths_desktop.printing.models import (
    BedCard,
    BedCardsView,
    BoardView,
    DayBoardView,
    PosterView,
    ShiftBoardRow,
    StaffGroupLine,
    TeamMember,
    TeamSheetView,
    TrustContacts,
    UniformKeyEntry,
)

TRUST = "Northgate Hospitals NHS Trust (demo)"
WARD = "Ward 7 \u2013 Elderly Care"
DAY = date(2026, 11, 24)
PRODUCED = datetime(2026, 11, 24, 14, 33)

UNIFORMS = (
    UniformKeyEntry("Navy blue", "#1D2B57", "Ward manager / sister"),
    UniformKeyEntry("Royal blue", "#005EB8", "Registered nurse"),
    UniformKeyEntry("Green", "#007F3B", "Nursing associate"),
    UniformKeyEntry("Light blue", "#8FC7EA", "Healthcare assistant"),
    UniformKeyEntry("White with grey trim", "#FFFFFF", "Student nurse"),
    UniformKeyEntry("Maroon", "#7A1F3D", "Physiotherapist"),
)


def _shift(name: str, starts: time, ends: time, nic: str, rn: tuple[int, int], hca: tuple[int, int], updated: datetime) -> ShiftBoardRow:
    return ShiftBoardRow(
        shift_name=name,
        starts=starts,
        ends=ends,
        nurse_in_charge=nic,
        staff_groups=(
            StaffGroupLine("Registered nurses", rn[0], rn[1]),
            StaffGroupLine("Nursing associates", 1, 1),
            StaffGroupLine("Healthcare assistants", hca[0], hca[1]),
        ),
        additional=(StaffGroupLine("Students", None, 2), StaffGroupLine("Supernumerary", None, 1)),
        updated_at=updated,
    )


LATE = _shift("Late", time(14, 30), time(22, 0), "Aisha Rahman", (5, 4), (3, 3), datetime(2026, 11, 24, 14, 32))


def sample_board() -> BoardView:
    return BoardView(
        trust=TRUST,
        ward=WARD,
        board_date=DAY,
        shift=LATE,
        ward_manager="Sister Mary O'Neill",
        matron="James Okafor (bleep 4471)",
        produced_at=PRODUCED,
        uniform_key=UNIFORMS,
    )


def sample_day_board() -> DayBoardView:
    return DayBoardView(
        trust=TRUST,
        ward=WARD,
        board_date=DAY,
        shifts=(
            _shift("Early", time(7, 0), time(15, 0), "Zo\u00eb Kowalczyk", (5, 5), (3, 2), datetime(2026, 11, 24, 7, 20)),
            LATE,
            _shift(
                "Night",
                time(21, 30),
                time(7, 30),
                "\u0414\u043c\u0438\u0442\u0440\u0438\u0439 \u041f\u0435\u0442\u0440\u043e\u0432",
                (3, 3),
                (2, 2),
                datetime(2026, 11, 24, 14, 0),
            ),
        ),
        ward_manager="Sister Mary O'Neill",
        matron="James Okafor (bleep 4471)",
        produced_at=PRODUCED,
        uniform_key=UNIFORMS,
    )


_CARD_PEOPLE = (
    ("Margaret (Peggy)", "Aisha Rahman", "Dr S. Patel"),
    ("\u0645\u062d\u0645\u062f \u0639\u0628\u062f \u0627\u0644\u0644\u0647", "Tom Hughes", "Mr A. Bello"),
    ("\u092a\u094d\u0930\u093f\u092f\u093e \u0936\u0930\u094d\u092e\u093e", "Aisha Rahman", "Dr S. Patel"),
    ("\u738b\u5c0f\u660e", "Tom Hughes", "Dr L. Chen"),
    ("Zo\u00eb", "Ch\u00e9 Adeyemi", "Mr A. Bello"),
    # Asked for her name not to be shown; no named nurse or consultant yet: "Ask the nurse in charge".
    ("Margaret Thompson", "", ""),
)


def sample_bed_cards(count: int = 5) -> BedCardsView:
    cards = []
    for i in range(count):
        name, nurse, consultant = _CARD_PEOPLE[i % len(_CARD_PEOPLE)]
        cards.append(
            BedCard(
                bed_label=f"Bay {'ABCD'[i // 8 % 4]}, bed {i % 8 + 1}",
                preferred_name=name,
                named_nurse=nurse,
                consultant=consultant,
                expected_discharge=date(2026, 11, 27 + i % 3) if i % 4 != 3 else None,
                special_instructions=("Nil by mouth from midnight" if i % 3 == 0 else "Hard of hearing: please speak on my left side" if i % 3 == 1 else ""),
                name_hidden=i % len(_CARD_PEOPLE) == 5,
            )
        )
    return BedCardsView(TRUST, WARD, DAY, tuple(cards), PRODUCED, shift_name="Late", shift_starts=time(14, 30), shift_ends=time(22, 0))


def sample_contacts() -> TrustContacts:
    return TrustContacts(
        pals_phone="0121 496 0000",
        pals_email="pals@northgate.example.nhs.uk",
        pals_location="Main entrance, ground floor, next to the shop",
        pals_hours="Monday to Friday, 9am to 5pm",
        complaints_phone="0121 496 0001",
        complaints_email="complaints@northgate.example.nhs.uk",
        complaints_address="Complaints Team, Northgate Hospital, Hospital Road, Northgate NG1 1AA",
        complaints_web_page="https://www.northgate.example.nhs.uk/complaints",
        advocacy_provider="Northshire Independent Advocacy",
        advocacy_phone="0121 496 0002",
        advocacy_web="www.northshire-advocacy.example.org.uk",
        healthwatch_name="Healthwatch Northshire",
        healthwatch_phone="0121 496 0003",
        healthwatch_web="www.healthwatchnorthshire.example.co.uk",
        details_checked_on=date(2026, 11, 3),
    )


def sample_poster(large_print: bool = False) -> PosterView:
    return PosterView(TRUST, WARD, sample_contacts(), PRODUCED, large_print=large_print, ward_manager="Sister Mary O'Neill")


def sample_team_sheet() -> TeamSheetView:
    rn, na, care = "Registered nurses", "Registered nursing associates", "Care staff"
    members = (
        TeamMember("Aisha Rahman", "Registered nurse", in_charge=True, group=rn, title="Deputy sister"),
        TeamMember("Tom Hughes", "Registered nurse", group=rn),
        TeamMember("Ch\u00e9 Adeyemi", "Registered nurse", group=rn),
        TeamMember("\u0413\u0430\u043b\u0438\u043d\u0430 \u0428\u0435\u0432\u0447\u0435\u043d\u043a\u043e", "Registered nurse", group=rn),
        TeamMember("Gurpreet Kaur (\u0a17\u0a41\u0a30\u0a2a\u0a4d\u0a30\u0a40\u0a24)", "Registered nursing associate", group=na),
        TeamMember("Sam Okoro", "Healthcare support worker", group=care, title="Healthcare assistant"),
        TeamMember("Ioana Popescu", "Healthcare support worker", group=care, title="Senior healthcare assistant"),
        TeamMember("Bilal Hussain", "Healthcare support worker", group=care, title="Healthcare assistant"),
        TeamMember("Lucy Whitfield", "Student", group="Students", title="Student nurse, 2nd year"),
        TeamMember("Kofi Mensah", "Allied health professional", group="Allied health professionals", title="Physiotherapist"),
    )
    return TeamSheetView(
        trust=TRUST,
        ward=WARD,
        sheet_date=DAY,
        shift_name="Late",
        starts=time(14, 30),
        ends=time(22, 0),
        members=members,
        produced_at=PRODUCED,
        role_order=(rn, na, care, "Trainee nursing associates", "Allied health professionals", "Students"),
    )
