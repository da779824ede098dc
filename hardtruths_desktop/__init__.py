"""Hard Truths ward station: the core (no Qt).

Domain rules, the local SQLite store, the sync client and printing live here; the Qt layer is
``ui``. Nothing in this package may import PySide6 (import-linter enforces it).
"""

__version__ = "0.1.0"

#: The program's identity for the operating system (Windows AppUserModelID, Qt desktop file name,
#: the bundle's version resource). Never change it: Windows groups taskbar pins and settings by it.
APP_ID = "org.hardtruths.WardStation"
APP_NAME = "Hard Truths ward station"
