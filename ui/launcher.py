"""The ``hardtruths-desktop`` program: no sub-command opens the ward station, a sub-command is the core's CLI.

It sits outside the core so that the core never names the GUI (import-linter checks both the static
and the dynamic imports). Sub-commands import no Qt: ``ui.app`` is imported only to open the window.
The frozen bundle's program starts here too (``build.spec``).
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from hardtruths_desktop import cli

    args = cli.build_parser().parse_args(argv)
    if args.command is not None:
        return cli.run(args)
    from hardtruths_desktop.runtime import default_data_dir, setup_logging

    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    setup_logging(data_dir)
    from ui.app import main as open_station

    return open_station(data_dir=data_dir, demo=args.demo)


if __name__ == "__main__":  # the frozen bundle's entry script (build.spec)
    raise SystemExit(main())
