"""Scores of the last `make mutation` run, per rule module.

Reads the results mutmut keeps beside each mutated module (`mutants/<module>.py.meta`) and
prints, for every module listed under `[tool.mutmut] only_mutate` in pyproject.toml, how many
mutants the tests caught. Mutants that change nothing a user could ever see (equivalent
mutants) are listed, each with the reason, in `benchmarks/mutation-equivalents.txt`; they are
left out of the score, and the script fails if one of them is caught after all (the list is
stale) or no longer exists (the function changed; look again).

Exit status 1 when a module catches less than --minimum percent (90 by default).
"""

import argparse
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "benchmarks" / "mutation-equivalents.txt"
CAUGHT = {1, 3, 36, -24, 24, 152, 255}  # a failing test, pytest's internal error, or a timeout
SURVIVED = {0}


def rule_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return config["tool"]["mutmut"]["only_mutate"]


def equivalents() -> dict[str, str]:
    """`mutant-name  reason` per line; `#` starts a comment."""
    listed = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text("utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                listed[name] = reason.strip()
    return listed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minimum", type=float, default=90.0)
    parser.add_argument("--survivors", action="store_true", help="list each surviving mutant")
    options = parser.parse_args()

    listed = equivalents()
    seen = set()
    failed = False
    print(f"{'module':32} {'mutants':>8} {'caught':>7} {'equiv.':>7} {'survived':>9} {'score':>7}")
    for module in rule_modules():
        meta = ROOT / "mutants" / f"{module}.meta"
        if not meta.exists():
            print(f"{module:32} not run (no {meta.relative_to(ROOT)})")
            failed = True
            continue
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        caught = [name for name, code in codes.items() if code in CAUGHT]
        survivors = [name for name, code in codes.items() if code not in CAUGHT]
        equivalent = [name for name in survivors if name in listed]
        seen.update(name for name in codes if name in listed)
        for name in caught:
            if name in listed:
                print(f"  {name} is listed as equivalent but the tests catch it: unlist it")
                failed = True
        counted = len(codes) - len(equivalent)
        score = 100.0 * len(caught) / counted if counted else 100.0
        alive = [name for name in survivors if name not in listed]
        print(
            f"{module:32} {len(codes):>8} {len(caught):>7} {len(equivalent):>7} "
            f"{len(alive):>9} {score:>6.1f}%"
        )
        if options.survivors:
            for name in alive:
                status = "not run" if codes[name] is None else f"exit {codes[name]}"
                print(f"    {name} ({status})")
        if score < options.minimum:
            failed = True
    for name in sorted(set(listed) - seen):
        print(f"  {name} is listed as equivalent but no longer exists: look at it again")
        failed = True
    if failed:
        print(f"Below {options.minimum:g} % somewhere, or the equivalents list needs a look.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
