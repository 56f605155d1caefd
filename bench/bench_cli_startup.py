"""Start-up cost of the command line: wall time of ``presswatch version`` / ``--help`` and their imports.

    python bench/bench_cli_startup.py [--runs 10]

For each command: the median wall time over ``--runs`` fresh processes, the cumulative import time
``python -X importtime`` reports for ``presswatch`` and its heaviest imported packages, and whether the
heavy stages (FastAPI, SQLAlchemy, cryptography, httpx, trafilatura) were imported at all.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HEAVY = ("fastapi", "sqlalchemy", "cryptography", "httpx", "trafilatura", "lxml", "warcio")
COMMANDS = (["version"], ["--help"], ["watch", "--help"], ["list", "--help"])


def importtime(args: list[str]) -> dict[str, int]:
    """Cumulative microseconds per module imported at top level (not nested) by ``presswatch ARGS``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "presswatch", *args], capture_output=True,
                          text=True, check=True)
    out: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, raw_name = line.removeprefix("import time:").split("|")
        if cumulative.strip().isdigit() and not raw_name[1:].startswith(" "):  # one space: not nested
            name = raw_name.strip()
            out[name] = max(out.get(name, 0), int(cumulative))
    return out


def wall(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "presswatch", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    t0 = time.perf_counter()
    for _ in range(a.runs):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    python_only = (time.perf_counter() - t0) / a.runs
    print(f"python start-up alone: {python_only * 1000:.0f} ms")
    print(f"{'command':<22} {'wall (median)':>14} {'all imports':>12}  heavy stages imported")
    for args in COMMANDS:
        mods = importtime(args)
        everything = subprocess.run([sys.executable, "-X", "importtime", "-m", "presswatch", *args],
                                    capture_output=True, text=True, check=True).stderr
        heavy = [m for m in HEAVY if f"| {m}\n" in everything or f" {m}\n" in everything.replace("|", " ")]
        print(f"{' '.join(args):<22} {wall(args, a.runs) * 1000:>11.0f} ms {sum(mods.values()) / 1000:>9.0f} ms"
              f"  {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
