"""``python -m hardtruths_desktop`` is the core's command line (sub-commands only; the window is ``python -m ui``)."""

from hardtruths_desktop.cli import main

raise SystemExit(main())
