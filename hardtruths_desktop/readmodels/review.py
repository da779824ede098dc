"""The sync review list: changes the trust refused, edits another station won, shifts changed on two stations."""

from __future__ import annotations

from hardtruths_desktop.store.session import Store
from hardtruths_desktop.store.sync_store import ReviewItem, review_items


def load_review(store: Store, limit: int = 200) -> tuple[ReviewItem, ...]:
    return tuple(review_items(store, limit))


__all__ = ["ReviewItem", "load_review"]
