"""FFT scoring (DOMAIN.md 3) against hand-worked months, moderation, themes and the XmR chart (DOMAIN.md 8)."""

from __future__ import annotations

import pytest

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain import spc
from hardtruths_desktop.domain.validation import ValidationError


def counts(vg: int = 0, g: int = 0, n: int = 0, p: int = 0, vp: int = 0, dk: int = 0) -> dict[str, int]:
    return {"very_good": vg, "good": g, "neither": n, "poor": p, "very_poor": vp, "dont_know": dk}


@pytest.mark.parametrize(
    ("month", "responses", "positive", "negative"),
    [
        # 10 + 5 good of 20 = 75.0%; 1 + 1 poor of 20 = 10.0%
        (counts(10, 5, 2, 1, 1, 1), 20, 75.0, 10.0),
        # 1 of 3: 33.333 -> 33.3; 2 of 3 -> 66.7 (half up on the second decimal)
        (counts(1, 0, 0, 2, 0, 0), 3, 33.3, 66.7),
        # 1 of 16 = 6.25 -> 6.3 (half up, not banker's 6.2); 15 of 16 = 93.75 -> 93.8
        (counts(1, 0, 15, 0, 0, 0), 16, 6.3, 0.0),
        (counts(0, 0, 0, 15, 0, 1), 16, 0.0, 93.8),
        # "Don't know" counts in "all responses": 2 positive of 4 = 50.0%, not 2 of 2
        (counts(1, 1, 0, 0, 0, 2), 4, 50.0, 0.0),
        # only "Don't know": responses, but 0.0% both ways (not "no responses", not a division by zero)
        (counts(dk=7), 7, 0.0, 0.0),
        # every answer negative
        (counts(p=2, vp=3), 5, 0.0, 100.0),
    ],
)
def test_hand_worked_months(month: dict[str, int], responses: int, positive: float, negative: float) -> None:
    s = fft.score(month)
    assert s.responses == responses
    assert s.percent_positive == positive
    assert s.percent_negative == negative
    assert sum(s.counts.values()) == responses


def test_a_month_without_responses_has_no_score() -> None:
    s = fft.score({})
    assert s.responses == 0 and not s.has_responses
    assert s.percent_positive is None and s.percent_negative is None
    assert s.describe() == "no responses"
    assert s.counts == counts()
    assert fft.summary_json("W7", 2026, 11, s) == {
        "ward": "W7", "month": "2026-11", "responses": 0,
        "counts": {"very_good": 0, "good": 0, "neither": 0, "poor": 0, "very_poor": 0, "dont_know": 0},
        "percent_positive": None, "percent_negative": None,
    }


def test_only_dont_know_is_described_as_zero_percent() -> None:
    assert fft.score(counts(dk=3)).describe() == "0.0% positive, 0.0% negative (3 responses)"


def test_score_of_answers_list_matches_counts() -> None:
    given = ["very_good"] * 3 + ["poor"] + ["dont_know"] * 2
    assert fft.score_answers(given) == fft.score(counts(vg=3, p=1, dk=2))


def test_the_2013_question_still_scores_by_its_own_answers() -> None:
    s = fft.score({"extremely_likely": 3, "unlikely": 1})
    assert (s.responses, s.percent_positive, s.percent_negative) == (4, 75.0, 25.0)


def test_answers_are_data_in_nhs_order() -> None:
    assert [a.label for a in fft.answers()] == ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
    assert fft.current_question().text == "Overall, how was your experience of our service?"


@pytest.mark.parametrize("typed", ["very-good", "very_good", "Very good", "1", "  VERY-GOOD "])
def test_parse_answer_accepts_cli_code_label_and_key(typed: str) -> None:
    assert fft.parse_answer(typed) == "very_good"


def test_parse_answer_refuses_with_the_choices() -> None:
    with pytest.raises(ValidationError) as e:
        fft.parse_answer("excellent")
    assert "very-good good neither poor very-poor dont-know" in str(e.value)


# --- moderation -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("Nurse Jane was lovely", "name", "Jane"),
        ("dr okafor explained well. Thanks to Sam", "name", "Sam"),
        ("my name is peter and the food was cold", "name", "peter"),
        ("call me on 07700 900123 please", "phone", "07700 900123"),
        ("ring +44 20 7946 0958", "phone", "+44 20 7946 0958"),
        ("my NHS number is 943 476 5919", "nhs_number", "943 476 5919"),
        ("write to me at j.bloggs@example.org", "email", "j.bloggs@example.org"),
        ("hospital number 12345678", "number", "12345678"),
    ],
)
def test_identifying_text_is_found(text: str, kind: str, found: str) -> None:
    f = fft.find_identifiers(text)
    assert any(x.kind == kind and x.text == found for x in f), f


@pytest.mark.parametrize(
    "text",
    ["The nurses were kind and the food was good", "Waited 20 minutes for the call bell", "Very clean ward, thank you all",
     "I called the nurse at night", "", "Ward 7 was great"],
)
def test_ordinary_comments_are_not_held(text: str) -> None:
    assert fft.find_identifiers(text) == ()


def test_ward_staff_names_are_found_in_any_case() -> None:
    f = fft.find_identifiers("aisha looked after me so well", ["Aisha Rahman"])
    assert [x.text for x in f] == ["aisha"]
    assert fft.find_identifiers("محمد كان لطيفا", ["محمد عبد الله"])[0].kind == "name"


def test_nhs_number_check_digit() -> None:
    assert fft.nhs_number_valid("9434765919")
    assert not fft.nhs_number_valid("9434765918")


def test_redaction_replaces_each_finding() -> None:
    text = "Nurse Jane gave me her number 07700 900123"
    assert fft.redact(text) == "Nurse [name removed] gave me her number [phone number removed]"


def test_a_redaction_must_remove_everything() -> None:
    with pytest.raises(ValidationError, match="still contains a name"):
        fft.check_amendment("redact", "good", "Nurse Jane was kind", "", "")
    a = fft.check_amendment("redact", "good", "Nurse [name removed] was kind", "", "")
    assert a.status == fft.REDACTED


def test_withdraw_and_correct_need_a_reason() -> None:
    with pytest.raises(ValidationError, match="Say why"):
        fft.check_amendment("withdraw", "good", "", "", "")
    a = fft.check_amendment("correct", "good", "", "", "typed 2 for 4", new_answer="poor")
    assert (a.answer, a.status) == ("poor", fft.CORRECTED)


def test_response_is_held_when_it_names_someone() -> None:
    assert fft.check_response(fft.ResponseInput("good", "Nurse Jane was kind")).status == fft.HELD
    assert fft.check_response(fft.ResponseInput("good", "Everyone was kind")).status == fft.PUBLISHED


def test_overlong_comment_is_refused_in_words() -> None:
    with pytest.raises(ValidationError, match="What was good is too long"):
        fft.check_response(fft.ResponseInput("good", "x" * 2001))


def test_themes_group_comments_by_keyword() -> None:
    got = dict((t.label, n) for t, n in fft.theme_counts(
        ["The food was cold", "Lovely kind staff", "Waited ages for the buzzer, food ok", "Nothing to add"]))
    assert got["Food and drink"] == 2
    assert got["Staff attitude and kindness"] == 1
    assert got["Waiting and response times"] == 1


def test_you_said_we_did_goes_on_a_poster_so_names_are_refused() -> None:
    with pytest.raises(ValidationError, match="public poster"):
        fft.check_you_said("Nurse Jane was rude", "We talked to the team")
    assert fft.check_you_said(" Noisy at night ", "Quiet hours from 23:00") == ("Noisy at night", "Quiet hours from 23:00")


# --- SPC: the XmR chart -------------------------------------------------------------------------------

def test_xmr_limits_hand_worked() -> None:
    # values 10, 12, 11, 13: mean 11.5; moving ranges 2, 1, 2 -> mean 5/3; limits 11.5 +/- 2.66 * 5/3
    c = spc.xmr([10, 12, 11, 13])
    assert c.mean == pytest.approx(11.5)
    assert c.mean_moving_range == pytest.approx(5 / 3)
    assert c.upper == pytest.approx(11.5 + 2.66 * 5 / 3)
    assert c.lower == pytest.approx(11.5 - 2.66 * 5 / 3)
    assert c.signals == ()


def test_xmr_gaps_break_moving_ranges_and_bounds_clip() -> None:
    c = spc.xmr([90, None, 100, 95], lower_bound=0, upper_bound=100)
    # ranges only between neighbours that both exist: |95-100| = 5
    assert c.mean_moving_range == pytest.approx(5)
    assert c.upper == 100  # clipped
    assert c.points == 3


def test_xmr_empty_and_single() -> None:
    assert spc.xmr([None, None]).mean is None
    one = spc.xmr([None, 80.0])
    assert one.mean == 80.0 and one.upper is None and one.signals == ()


def test_point_outside_limits_is_a_signal() -> None:
    c = spc.xmr([50, 51, 50, 51, 50, 51, 50, 51, 50, 51, 50, 90])
    assert any(s.kind == "outside_limits" and 11 in s.indexes for s in c.signals)


def test_run_of_seven_on_one_side() -> None:
    c = spc.xmr([40, 40, 40, 40, 40, 40, 60, 61, 60, 61, 60, 61, 60])
    run = [s for s in c.signals if s.kind == "run_above"]
    assert run and run[0].indexes == tuple(range(6, 13))
    six = spc.xmr([40, 40, 40, 40, 40, 40, 40, 60, 61, 60, 61, 60, 61])  # 6 above: no run above
    assert not [s for s in six.signals if s.kind == "run_above"]
    assert next(s for s in six.signals if s.kind == "run_below").indexes == tuple(range(0, 7))


def test_trend_of_seven_rising_and_an_equal_point_breaks_it() -> None:
    c = spc.xmr([50, 51, 52, 53, 54, 55, 56, 50])
    assert [s.indexes for s in c.signals if s.kind == "trend_up"] == [tuple(range(0, 7))]
    broken = spc.xmr([50, 51, 52, 52, 54, 55, 56, 50])
    assert not [s for s in broken.signals if s.kind == "trend_up"]
    down = spc.xmr([70, 69, 68, 67, 66, 65, 64])
    assert [s.kind for s in down.signals if s.kind.startswith("trend")] == ["trend_down"]
