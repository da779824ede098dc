"""``python -m hardtruths_desktop`` is the ``hardtruths-desktop`` command."""

from hardtruths_desktop.cli import main

raise SystemExit(main())
