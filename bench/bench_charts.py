"""What the charts cost: reading them (``charts_for``) for the shipped plan after the daily run of 20/06/2025
on SQLite, drawing each as SVG and PNG, and the pure numbers for a large synthetic plan (``--cycles``,
default 100,000 cycles over 60 agencies). Prints milliseconds and the sizes of the files.

    .venv/bin/python bench/bench_charts.py [--cycles 100000]
"""

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config.app import build_app  # noqa: E402
from config.settings import Settings  # noqa: E402
from models.domain import charts as ch  # noqa: E402
from models.domain.report_states import CycleFacts  # noqa: E402
from models.services.chart_data import charts_for  # noqa: E402
from models.services.daily import evaluate_day  # noqa: E402
from models.services.importer import import_plan  # noqa: E402
from models.store.db import upgrade  # noqa: E402
from web.chart_files import chart_png, svg_file  # noqa: E402

DAY = date(2025, 6, 20)


def ms(start: float) -> str:
    return f"{(time.perf_counter() - start) * 1000:.1f} ms"


def shipped() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        settings = Settings(database_url=url, data_dir=Path(folder) / "data")
        core = build_app(settings, migrate=False)
        import_plan(core.engine, settings.plan_file, core.runtime.directory, core.runtime.config)
        evaluate_day(core.runtime, DAY)
        charts_for(core.runtime, None, DAY)  # warm: imports, caches
        start = time.perf_counter()
        charts = charts_for(core.runtime, None, DAY)
        assert charts is not None
        print(f"charts_for, shipped plan on 20/06/2025 (SQLite): {ms(start)}")
        for chart in charts:
            start = time.perf_counter()
            svg = svg_file(chart)
            svg_time = ms(start)
            start = time.perf_counter()
            png = chart_png(chart)
            sizes = f"SVG {svg_time:>9} {len(svg) / 1024:6.1f} KB   PNG {ms(start):>9} {len(png) / 1024:6.1f} KB"
            print(f"  {chart.name:16} {sizes}")
        core.engine.dispose()


def synthetic(n: int) -> None:
    due = DAY - timedelta(days=200)
    base = CycleFacts(0, "task:1", 1, None, 1, "Sở", "lead", "deadline", "p", "", "open", due, due, due, None)
    facts = [
        replace(base, cycle_id=i, agency_id=i % 60, agency_name=f"Cơ quan {i % 60}",
                due_effective=due + timedelta(days=i % 365), opens_on=due + timedelta(days=i % 365 - 30),
                status=("accepted", "open", "overdue", "answered")[i % 4], answer_status="done",
                answered_on=due + timedelta(days=i % 370))
        for i in range(n)
    ]  # fmt: skip
    start = time.perf_counter()
    ch.completion_by_agency(facts, DAY)
    ch.overdue_ageing(facts, DAY)
    ch.on_time_monthly(facts, DAY)
    print(f"by agency + ageing + on-time monthly, {n:,} cycles (pure): {ms(start)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=100_000)
    args = parser.parse_args()
    shipped()
    synthetic(args.cycles)
