"""The package shows the pipeline, and imports run one way: read → label → assemble → write.

Every ``import gkml…`` statement counts, also those inside functions (lazy imports keep
start-up fast, but a lazy import from training into inference is still a dependency).
"""

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "gkml"
# What batch inference runs: none of it may import the training stack or the annotation loop.
INFERENCE = ("gkml.io", "gkml.rules", "gkml.model", "gkml.assemble", "gkml.engines", "gkml.predict", "gkml.write")
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """The gkml modules a module imports (``from gkml.x import y`` counts ``gkml.x.y`` when
    that is a module, else ``gkml.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("gkml")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gkml"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in MODULES else node.module)
    return {m for m in found if m in MODULES}


GRAPH = {name: imports(path) - {name} for name, path in MODULES.items()}


def inside(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("module", [m for m in MODULES if inside(m, INFERENCE)])
def test_inference_imports_nothing_from_training_or_annotation(module):
    assert not {m for m in GRAPH[module] if inside(m, ("gkml.training", "gkml.annotate", "gkml.cli"))}


def test_no_import_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                cycles.append(path[path.index(n) :] + [n])
            elif n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_500_lines(module):
    assert len(MODULES[module].read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_cell_keys_are_read_in_one_place():
    readers = [m for m, p in MODULES.items() if "cells.tsv" in p.read_text(encoding="utf-8")]
    assert readers == ["gkml.schema"] or sorted(readers) == ["gkml.schema", "gkml.training.data"]
