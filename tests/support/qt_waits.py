"""How long a GUI test waits for the app (``qtbot.waitUntil`` / ``waitSignal`` / ``waitExposed``).

pytest-qt's default is 5 s. The app answers within a fraction of that on a quiet PC, but a GUI test's
wait covers a worker thread, a SQLite commit and sometimes an HTTP round trip to the trust server: on
a loaded CI machine (load 13 on two cores) one such wait took longer than 5 s and failed. Every wait
uses this one generous bound instead. A wait returns as soon as its condition holds, so a passing
test is no slower; only a genuinely stuck one takes this long to fail. No test sleeps instead.
"""

from __future__ import annotations

#: milliseconds, for ``timeout=``
QT_WAIT_MS = 30_000
