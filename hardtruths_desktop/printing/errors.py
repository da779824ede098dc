"""Errors raised by the print centre's document layer."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class UnprintableText:
    """A piece of text with the characters that no available font can draw."""

    text: str
    characters: str

    def describe(self) -> str:
        chars = ", ".join(f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')})" for c in self.characters)
        return f"{self.text!r}: {chars}"


class UnprintableCharacters(ValueError):
    """Some text holds characters that no bundled or installed font can draw.

    Raised instead of printing empty boxes. ``items`` names each text and its characters, so the
    caller can ask for the text to be corrected (or print anyway with ``unprintable="mark"``).
    """

    def __init__(self, items: tuple[UnprintableText, ...]) -> None:
        self.items = items
        lines = "; ".join(item.describe() for item in items)
        super().__init__(f"No available font can print these characters: {lines}")


class MissingContactDetails(ValueError):
    """The complaints poster lacks contact details that it must show; nothing is printed."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        self.missing = missing
        super().__init__(
            "Cannot print the complaints poster: these details are missing or not valid: " + "; ".join(missing) + ". Add them in Ward setup > Contacts."
        )


class LayoutOverflow(ValueError):
    """The content cannot fit the sheet even at the smallest readable text size."""
