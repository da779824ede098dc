"""An import-linter contract type for the imports import-linter cannot see: by name, at run time.

import-linter reads ``import`` statements. ``importlib.import_module("ui.app")``, ``__import__(...)``
and ``pkgutil.resolve_name(...)`` reach a module without one, which is how the core once opened the
GUI. This contract reads the source of every module under ``source_modules`` and is broken by any
such call naming one of ``forbidden_modules`` (or a module inside one), and by any such call whose
module name is not a string literal (nobody can check where it goes). pyproject.toml registers it.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Any

from importlinter import Contract, ContractCheck, fields, output

#: Calls that import a module given its name as a string.
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__", "resolve_name"})


def dynamic_imports(source: str) -> list[tuple[int, str | None]]:
    """(line, module name or None if not a literal) of every by-name import call in ``source``."""
    found: list[tuple[int, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in DYNAMIC_IMPORTERS:
            arg = node.args[0]
            literal = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            found.append((node.lineno, literal))
    return found


def _source_file(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


class NoDynamicImportContract(Contract):
    """``source_modules`` import none of ``forbidden_modules`` by name at run time."""

    source_modules = fields.ListField(subfield=fields.ModuleField())
    forbidden_modules = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        forbidden = [m.name for m in self.forbidden_modules]  # type: ignore[attr-defined]
        broken: list[str] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            for module in sorted(graph.find_descendants(source.name) | {source.name}):
                path = _source_file(module)
                if path is None:
                    continue
                for line, name in dynamic_imports(path.read_text(encoding="utf-8")):
                    if name is None:
                        broken.append(f"{module}:{line} imports a module whose name is not a literal (cannot be checked)")
                    elif any(name == f or name.startswith(f + ".") for f in forbidden):
                        broken.append(f"{module}:{line} imports {name} by name")
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["broken"]:
            output.print_error(line, bold=False)
            output.new_line()
