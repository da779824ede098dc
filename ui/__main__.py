"""``python -m ui`` is the ``hardtruths-desktop`` program (the window, or a sub-command)."""

from ui.launcher import main

raise SystemExit(main())
