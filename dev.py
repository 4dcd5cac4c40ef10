#!/usr/bin/env python3
"""The two set-up commands of the README, for a fresh machine that has only Python 3.11+ and git.

    python3 dev.py run     # creates .venv, installs dondoc, runs the main job (SQLite, no providers)
    python3 dev.py test    # creates .venv, installs dondoc with its test tools, runs the tests

Extra arguments are passed on: ``python3 dev.py test -k deadline``, ``python3 dev.py run --json``;
``python3 dev.py test -m "not slow"`` is the quick loop. The whole suite runs on two processes (pytest-xdist)
unless the arguments pick tests or say ``-n``; ``-p no:xdist`` runs it in one.
The virtual environment is (re)installed only when pyproject.toml changed since the last install.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("DONDOC_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".dondoc-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (this script may be run by an older python3)
        sys.exit(f"dondoc needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV} …", flush=True)
        venv.create(VENV, with_pip=True)
    print("installing dondoc and its dependencies (first time: about a minute) …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, extra = sys.argv[1], sys.argv[2:]
    ensure_venv()
    env = dict(os.environ)
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if command == "run":
        return subprocess.call([str(BIN / "dondoc"), "run", *extra], cwd=ROOT, env=env)
    # Tests run against SQLite and, where it answers, the PostgreSQL server of DONDOC_TEST_POSTGRES_URL
    # (CI sets DONDOC_TEST_REQUIRE_POSTGRES=1 so that a missing server fails instead of skipping).
    env.setdefault("DONDOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *parallel(extra), *extra], cwd=ROOT, env=env)


def parallel(extra: list[str]) -> list[str]:
    """``-n 2 --dist worksteal`` (pytest-xdist: the suite on two processes, about twice as fast here) unless
    the arguments choose: ``-n``/``--numprocesses``, ``-p no:xdist``, or a run that only lists (``--co``)
    or picks a few tests (``-k``, a path or node id), where starting workers costs more than it saves."""
    picks = ("-n", "--numprocesses", "--co", "--collect-only", "-k", "--lf", "--last-failed", "--sw", "--pdb")
    for arg in extra:
        if arg.split("=")[0] in picks or arg.startswith(("-n", "-k")) or arg in ("no:xdist", "-pno:xdist"):
            return []
        if not arg.startswith("-") and ("::" in arg or (ROOT / arg).exists()):
            return []
    return ["-n", str(min(2, os.cpu_count() or 1)), "--dist", "worksteal"]


if __name__ == "__main__":
    sys.exit(main())
