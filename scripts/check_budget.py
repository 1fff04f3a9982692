"""The size budget the suite keeps (run by ``make lint``): no function over 60 lines and no
cyclomatic complexity over 15, outside Alembic migrations and tests.

Measured with radon; prints every function over budget and exits 1 when there is one.
``--top N`` lists the N longest functions instead (for closing notes and planning).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from radon.visitors import Class, ComplexityVisitor, Function

MAX_LINES = 60
MAX_COMPLEXITY = 15
ROOTS = ("shared", "gateway", "services", "scripts", "sdgc")


@dataclass(frozen=True)
class Measure:
    where: str
    name: str
    lines: int
    complexity: int


def _functions(blocks: list[Function | Class]) -> list[Function]:
    found: list[Function] = []
    for block in blocks:
        if isinstance(block, Class):
            found.extend(block.methods)
            found.extend(f for f in _functions(list(block.inner_classes)) if f not in found)
        else:
            found.append(block)
            found.extend(_functions(list(block.closures)))
    return found


def measure(root: Path) -> list[Measure]:
    measures: list[Measure] = []
    for base in ROOTS:
        for path in sorted((root / base).rglob("*.py")):
            if "migrations" in path.parts and "versions" in path.parts:
                continue
            visitor = ComplexityVisitor.from_code(path.read_text(encoding="utf-8"))
            for function in _functions(list(visitor.blocks)):
                measures.append(
                    Measure(
                        where=f"{path.relative_to(root)}:{function.lineno}",
                        name=function.fullname,
                        lines=function.endline - function.lineno + 1,
                        complexity=function.complexity,
                    )
                )
    return measures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=0, help="list the N longest functions")
    args = parser.parse_args()
    measures = measure(Path.cwd())
    measures = list(dict.fromkeys(measures))
    if args.top:
        for m in sorted(measures, key=lambda m: -m.lines)[: args.top]:
            print(f"{m.lines:4d} lines  cc {m.complexity:3d}  {m.name}  ({m.where})")
        return 0
    over = [m for m in measures if m.lines > MAX_LINES or m.complexity > MAX_COMPLEXITY]
    for m in over:
        print(f"{m.where}: {m.name} has {m.lines} lines, complexity {m.complexity}")
    if over:
        budget = f"{MAX_LINES} lines, complexity {MAX_COMPLEXITY}"
        print(f"{len(over)} functions over the budget ({budget})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
