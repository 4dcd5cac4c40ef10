"""Benchmark of a no-op ``dondoc daily`` (issue 12, point 5): the wall time of the command when the day
has already been run, so that the figure is the command's own cost (interpreter, imports, settings,
database check, the evaluation finding nothing), in a fresh process as an officer's shell or a cron job
would start it.

Modes: ``direct`` (the default with no Prefect server configured: the flow code runs directly) and
``server`` (``DONDOC_PREFECT_MODE=server`` with no ``PREFECT_API_URL``: a temporary Prefect server is
started for the command — what every CLI flow command paid before). A fresh SQLite database in a temporary
folder is set up by ``dondoc run`` first (the shipped plan, the day run once).

Run: ``.venv/bin/python bench/bench_cli_noop.py [--today 2026-12-02] [--repeat 3] [--modes direct,server]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DONDOC = [sys.executable, "-c", "from cli.main import main; main()"]


def _env(data: Path, mode: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DONDOC_"))}
    env.update(DONDOC_DATA_DIR=str(data), DONDOC_PREFECT_MODE=mode, PYTHONPATH=str(ROOT))
    return env


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([*DONDOC, *args], env=env, cwd=ROOT, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", default="2026-12-02")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="direct,server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dondoc-bench-noop-") as folder:
        data = Path(folder) / "data"
        setup = _timed(["run", "--today", args.today], _env(data, "direct"))
        print(f"setup (dondoc run, fresh SQLite, shipped plan, {args.today}): {setup:.1f} s")
        for mode in args.modes.split(","):
            times = [_timed(["daily", "--today", args.today], _env(data, mode)) for _ in range(args.repeat)]
            best, worst = min(times), max(times)
            print(f"no-op dondoc daily, mode {mode}: best {best:.2f} s, worst {worst:.2f} s ({args.repeat} runs)")


if __name__ == "__main__":
    main()
