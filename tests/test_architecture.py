"""The house's rule, read from the code's own imports: arrows only point down, no circles.

Layers, top to bottom (a module may import its own package and any lower layer):
    bench           benchmarks
    boot            the composition root: the `binalert` command, serve, worker, lab run
    lab             the lab PBXes and a dispatcher on them, for make run, tests and bench
    api, ivr, hooks, sms  HTTP face, PBX adapter, webhook sender, SMPP link: side by side,
                    never each other
    binalert        the domain: models, settings, services, the delivery lifecycle
    store           the store's plumbing: database, wake-up bus, announce, NOTIFY, SQL hints
    tts             speech, which knows nothing of the rest
Every import counts, also one inside a function: a lazy import does not hide an arrow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bench",),
    ("boot",),
    ("lab",),
    ("api", "ivr", "hooks", "sms"),
    ("binalert",),
    ("store",),
    ("tts",),
)
LEVEL = {package: level for level, row in enumerate(LAYERS) for package in row}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in LEVEL:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


SOURCES = _sources()


def _imported(path: Path, module: str) -> Iterator[tuple[int, str]]:
    """(line, module) for every project module this file imports, wherever the import is."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield node.lineno, candidate if candidate in SOURCES else base


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in SOURCES}
    for module, path in SOURCES.items():
        for _line, target in _imported(path, module):
            if target in SOURCES and target != module:
                graph[module].add(target)
    return graph


def _package(module: str) -> str:
    return module.split(".")[0]


def test_every_package_of_the_product_is_in_a_layer() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages <= set(LEVEL), f"place {sorted(packages - set(LEVEL))} in LAYERS"


def test_no_import_climbs_to_a_higher_layer_or_sideways() -> None:
    wrong = []
    for module, path in SOURCES.items():
        own = _package(module)
        for line, target in _imported(path, module):
            other = _package(target)
            if other in LEVEL and other != own and LEVEL[other] <= LEVEL[own]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_nothing_of_the_product_imports_the_tests() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}"
        for module, path in SOURCES.items()
        for line, target in _imported(path, module)
        if _package(target) == "tests"
    ]
    assert not wrong


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert _cycles(_edges()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_circle_finder_finds_circles(
    graph: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert _cycles(graph) == expected


def test_a_lazy_import_is_an_arrow_too(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from api.app import create_app\n")
    assert ("api.app", 2) in {(t, line) for line, t in _imported(source, "binalert.m")}
