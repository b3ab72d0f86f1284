"""One writer of a delivery's state, read from the code: only the delivery lifecycle
(`binalert/deliveries/lifecycle.py`) inserts deliveries, call attempts and SMS (messages,
their parts, replies: #22) or changes them.

The way procrastinate's JobManager is the only writer of a job: a police officer reads
"34 of 40 confirmed" from these rows, so every change goes through the one module whose
steps are guarded by the state table (machine.py). The lifecycle's own low-level modules
(OWNED) hold its statements; no other module may use their writing functions (called, or
handed on to be called: `writer.submit(repo.transition, ...)`), build an INSERT or UPDATE of
those tables, or construct a Delivery or CallAttempt (`session.add(Delivery(...))`).

Not seen (and not done anywhere): changing a loaded ORM Delivery by assigning its attributes.
Deleting is no state change: retention purges whole alerts, and stays allowed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_architecture import ROOT, SOURCES

LIFECYCLE = "binalert.deliveries.lifecycle"
OWNED = (
    "binalert.deliveries.repository",
    "binalert.deliveries.attempts",
    "binalert.deliveries.events",
    "binalert.deliveries.tables",
    "binalert.deliveries.sms",
)
WRITERS: dict[str, frozenset[str]] = {
    "binalert.deliveries.repository": frozenset(
        {
            "transition",
            "end_claim",
            "claim_due",
            "stop_dialling",
            "insert_deliveries",
            "mark_transferred",
            "mark_heard_on_call_back",
            "hold_retry",
            "call_now",
            "forget_member",
        }
    ),
    "binalert.deliveries.attempts": frozenset(
        {"insert_many", "insert_once", "close", "set_digit", "keep_alive"}
    ),
    "binalert.deliveries.events": frozenset({"record", "record_many", "record_delivery"}),
    "binalert.deliveries.sms": frozenset(
        {
            "insert_message",
            "insert_messages",
            "claim",
            "move",
            "move_many",
            "insert_parts",
            "insert_parts_of",
            "insert_reconciled_part",
            "set_part",
            "set_parts",
            "cancel_queued",
            "forget_member",
            "insert_reply",
            "mark_reply",
        }
    ),
}
SMS_MODELS = frozenset({"SmsMessage", "SmsPart", "SmsReply"})
TABLES = frozenset(
    {"Delivery", "CallAttempt", "DELIVERIES", "ATTEMPTS", "SMS_MESSAGES", "SMS_PARTS"}
    | {"SMS_REPLIES"}
    | SMS_MODELS
)
MODELS = frozenset({"Delivery", "CallAttempt"}) | SMS_MODELS
STATEMENTS = frozenset({"insert", "update"})
EXEMPT = {
    # Not the product: it puts the claim queue in the states it measures, then rolls back.
    "bench.claim_bench": "a benchmark's fixture",
}


def _dotted(node: ast.AST) -> str | None:
    """`a.b.c` of a Name or an Attribute chain on a Name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from the file's imports (anywhere)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _resolved(node: ast.AST, aliases: dict[str, str]) -> str | None:
    dotted = _dotted(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    full = aliases.get(head, head)
    return f"{full}.{rest}" if rest else full


def _writer(name: str) -> bool:
    module, _, function = name.rpartition(".")
    return function in WRITERS.get(module, ())


def violations(source: str, filename: str = "<test>") -> list[tuple[int, str]]:
    """(line, what) for every write of deliveries or call attempts in this source, in order."""
    return sorted(_violations(source, filename))


def _violations(source: str, filename: str) -> Iterator[tuple[int, str]]:
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
            name = _resolved(node, aliases)
            if name is not None and _writer(name):
                yield node.lineno, f"uses {name}"
        if not isinstance(node, ast.Call):
            continue
        called = (_dotted(node.func) or "").rpartition(".")[2]
        if called in MODELS:
            yield node.lineno, f"builds a {called}"
        elif called in STATEMENTS and node.args:
            touched = {
                part.id if isinstance(part, ast.Name) else part.attr
                for part in ast.walk(node.args[0])
                if isinstance(part, ast.Name | ast.Attribute)
            }
            if touched & TABLES:
                yield node.lineno, f"{called}({', '.join(sorted(touched & TABLES))})"


def _path(module: str) -> Path:
    return SOURCES[module]


def test_only_the_lifecycle_writes_deliveries_and_call_attempts() -> None:
    wrong = []
    for module, path in sorted(SOURCES.items()):
        if module == LIFECYCLE or module in OWNED or module in EXEMPT:
            continue
        for line, what in violations(path.read_text(), str(path)):
            wrong.append(f"{path.relative_to(ROOT)}:{line} {what}")
    assert not wrong, "writes outside binalert/deliveries/lifecycle.py:\n" + "\n".join(wrong)


def _writing_functions(module: str) -> set[str]:
    """The functions of an owned module that write (an INSERT or UPDATE of the tables, in
    them or in a module-level statement they use, or another such function they call)."""
    tree = ast.parse(_path(module).read_text())
    statements = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and bool(violations(ast.unparse(node))):
            statements |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    writing: set[str] = set()
    while True:
        grown = {
            name
            for name, fn in functions.items()
            if name not in writing
            and (
                bool(violations(ast.unparse(fn)))
                or any(
                    isinstance(n, ast.Name) and n.id in statements | writing for n in ast.walk(fn)
                )
            )
        }
        if not grown:
            return writing
        writing |= grown


@pytest.mark.parametrize("module", sorted(WRITERS))
def test_every_writing_function_of_the_lifecycles_modules_is_listed(module: str) -> None:
    source = _path(module).read_text()
    defined = {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    assert WRITERS[module] <= defined, f"listed but gone: {sorted(WRITERS[module] - defined)}"
    public = {name for name in _writing_functions(module) if not name.startswith("_")}
    unlisted = sorted(public - WRITERS[module])
    assert not unlisted, f"writes but is not listed: {unlisted}"


def test_the_lifecycle_is_what_uses_them() -> None:
    used = {what for _, what in violations(_path(LIFECYCLE).read_text())}
    assert "uses binalert.deliveries.repository.transition" in used


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (
            "from binalert.deliveries import repository as repo\n"
            "def f(s):\n    repo.transition(s, 1, 'acknowledge')\n",
            [(3, "uses binalert.deliveries.repository.transition")],
        ),
        (
            "def f(s):\n    from binalert.deliveries.attempts import close\n"
            "    close(s, 'ba1', None, 'answered')\n",
            [(3, "uses binalert.deliveries.attempts.close")],
        ),
        (
            "import binalert.deliveries.attempts\n"
            "binalert.deliveries.attempts.set_digit(s, 'ba1', '1', t)\n",
            [(2, "uses binalert.deliveries.attempts.set_digit")],
        ),
        (
            "from binalert.deliveries import repository as repo\n"
            "writer.submit(repo.end_claim, 1)\n",  # handed on, called elsewhere
            [(2, "uses binalert.deliveries.repository.end_claim")],
        ),
        (
            "from sqlalchemy import update\nfrom binalert.models import Delivery\n"
            "q = update(Delivery).values(status='acknowledged')\n",
            [(3, "update(Delivery)")],
        ),
        (
            "from sqlalchemy.dialects import sqlite\n"
            "from binalert.deliveries.tables import ATTEMPTS\nq = sqlite.insert(ATTEMPTS)\n",
            [(3, "insert(ATTEMPTS)")],
        ),
        ("s.add(models.CallAttempt(delivery_id=1))\n", [(1, "builds a CallAttempt")]),
        ("s.add(SmsMessage(kind='alert'))\n", [(1, "builds a SmsMessage")]),
        (
            "from binalert.deliveries import sms\nsms.move(s, 1, ('queued',), 'failed')\n",
            [(2, "uses binalert.deliveries.sms.move")],
        ),
        (
            "from binalert.models import SmsReply\nq = update(SmsReply).values(action='ack')\n",
            [(2, "update(SmsReply)")],
        ),
        ("s.execute(sa.insert(Delivery.__table__), rows)\n", [(1, "insert(Delivery)")]),
        # reading is everyone's
        (
            "from binalert.deliveries import repository as repo\n"
            "repo.call_context(s, 1)\nselect(Delivery).where(Delivery.status == 'x')\n"
            "update(Alert).values(status='completed')\n",
            [],
        ),
    ],
)
def test_the_checker_finds_a_write_wherever_it_is(
    source: str, found: list[tuple[int, str]]
) -> None:
    assert violations(source) == found


def test_a_write_in_a_new_module_fails_the_test(tmp_path: Path) -> None:
    stray = tmp_path / "stray.py"
    stray.write_text(
        "from binalert.deliveries import repository as repo\n"
        "def ack(session, delivery_id):\n"
        "    return repo.transition(session, delivery_id, 'acknowledge')\n"
    )
    assert violations(stray.read_text(), str(stray)) == [
        (3, "uses binalert.deliveries.repository.transition")
    ]
