"""Hard Truths ward station: the core (no Qt).

Domain rules, the local SQLite store, the sync client and printing live here; the Qt layer is
``ui``. Nothing in this package may import PySide6 (import-linter enforces it).
"""

__version__ = "0.1.0"
