"""Run a command beside a CPU hog, as on a busy machine: ``python -m tests.support.busy
[--runs N] [--hogs N] -- COMMAND …`` keeps every core busy (one spinning process a core unless
``--hogs`` says otherwise) while the command runs ``--runs`` times; exits with the first
failure's code. What ``make test-busy`` (and CI) run the gateway tests under."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys


def _spin() -> None:
    while True:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    hogs = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.hogs)]
    for hog in hogs:
        hog.start()
    try:
        for run in range(1, args.runs + 1):
            print(f"busy run {run}/{args.runs} beside {args.hogs} CPU hog(s)", flush=True)
            code = subprocess.run(command, check=False).returncode
            if code != 0:
                return code
        return 0
    finally:
        for hog in hogs:
            hog.terminate()
        for hog in hogs:
            hog.join(5)


if __name__ == "__main__":
    sys.exit(main())
