"""Running the ``dondoc`` command in a fresh interpreter, as an officer's shell does: the environment
holds only the test's settings (no PREFECT_* or DONDOC_* of the developer's)."""

import os
import subprocess
import sys
from pathlib import Path

DONDOC = [sys.executable, "-c", "from cli.main import main; main()"]
ROOT = Path(__file__).resolve().parents[2]


def dondoc_env(tmp_path: Path, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DONDOC_"))}
    env.update(
        DONDOC_DATABASE_URL=db_url,
        DONDOC_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def run_dondoc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DONDOC, *args], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
