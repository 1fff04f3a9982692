"""Run every benchmark of the suite: ``python -m tests.bench [name ...]``."""

from __future__ import annotations

import importlib
import sys

BENCHES = {
    "gateway": "tests.bench.bench_gateway",
    "registry": "tests.projects.bench_registry",
    "ledger": "tests.funding.bench_ledger",
}


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHES)
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(BENCHES[name])
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
