# The two commands (README): `make run` starts the ward station, `make test` runs every check.
# Both create .venv and install what is needed on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test system-deps lint bench bundle screenshots clean

$(STAMP): pyproject.toml | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	$(BIN)/python -m ui.kiosk.translations  # the kiosk's .qm files from hardtruths_desktop/resources/translations/*.ts
	touch $(STAMP)

## Start the ward station (a demo trust is created when the store has no wards yet).
run: $(STAMP)
	$(BIN)/hardtruths-desktop --demo

## Debian packages the tests need (PDF text/PNG rendering; Qt's offscreen platform libraries).
system-deps:
	@bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Everything CI runs: lint, types, layer rules and the whole pytest suite (two workers: CI has 2 cores).
test: $(STAMP) system-deps lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

## The ward PC's program, frozen by PyInstaller (build.spec): dist/hardtruths-desktop/ (onedir).
bundle: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller build.spec
	@du -sh dist/hardtruths-desktop

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; QT_QPA_PLATFORM=offscreen $(BIN)/python $$b || exit 1; done

screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1024x768x24" $(BIN)/python tools/screenshots.py --platform xcb
	xvfb-run -a -s "-screen 0 1366x768x24" $(BIN)/python tools/screenshots.py --platform xcb --text 150 --suffix -150
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots_incidents.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis *.egg-info build dist
