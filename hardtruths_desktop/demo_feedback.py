"""The demo trust's Friends and Family Test history: about a year of kiosk and card responses per
ward, a few comments (one held for moderation) and a "You said, we did" entry, so the Feedback
screen, the poster and the kiosk's results have something real-looking to show."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.store import feedback as repo
from hardtruths_desktop.store.session import WriteTx
from hardtruths_desktop.store.tables import Ward

GOOD = ["The nurses were kind and patient", "Clean ward and friendly staff", "Everything was explained to me",
        "Lovely food and a cup of tea whenever I asked", "Staff made my mum feel safe", ""]
BETTER = ["It was noisy at night", "Waited a long time for the call bell", "", "More information about going home",
          "The food was cold at lunch", ""]
WEIGHTS = {"very_good": 52, "good": 30, "neither": 6, "poor": 4, "very_poor": 2, "dont_know": 6}


def add_demo_feedback(tx: WriteTx, ward: Ward, today: date, rng: random.Random, days: int = 360) -> None:
    codes, weights = list(WEIGHTS), list(WEIGHTS.values())
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        drift = 1 + 0.5 * ((days - back) / days)  # a gently improving ward: an SPC trend worth seeing
        w = [weights[0] * drift, *weights[1:]]
        batch = []
        for _ in range(rng.choice((0, 1, 1, 2))):
            a = rng.choices(codes, w)[0]
            good = rng.choice(GOOD) if a in ("very_good", "good") else ""
            better = rng.choice(BETTER) if a not in ("very_good",) else ""
            batch.append(fft.ResponseInput(a, good, better, rng.choice(("kiosk", "kiosk", "card"))))
        if batch:
            repo.record_responses(tx, ward.id, day, batch, today)
    repo.record_response(tx, ward.id, today, fft.ResponseInput("good", "Nurse Aisha was wonderful with my dad", "", "card"), today)
    repo.save_you_said(tx, ward.id, f"{today:%Y-%m}", "It was noisy at night", "Quiet hours from 11pm, with lights dimmed")
