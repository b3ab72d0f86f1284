"""Run every bench/*_bench.py module's main() in turn (`make bench`)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main() -> int:
    failed = 0
    for path in sorted(Path(__file__).parent.glob("*_bench.py")):
        name = f"bench.{path.stem}"
        print(f"== {name}", flush=True)
        try:
            importlib.import_module(name).main()
        except Exception as exc:  # one broken bench must not hide the others
            print(f"{name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed += 1
        print(flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
