"""After a large day the daily run vacuums the tables it rewrote, on PostgreSQL (issue 13): where
autovacuum is off or lagging, every update of the next day wrote past the dead row versions of the last
(bench/bench_daily.py at 100,000 tasks: next day 32.7 s, 11.3 s after a vacuum). SQLite: nothing to do."""

from datetime import date

from sqlalchemy import event, text
from sqlmodel import Session

import models.services.daily as daily
from config.app import build_app
from models.services.daily import evaluate_day, evaluate_dry


def _vacuums(app, run) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("VACUUM"):
            seen.append(statement)

    event.listen(app.engine, "before_cursor_execute", listen)
    try:
        run()
    finally:
        event.remove(app.engine, "before_cursor_execute", listen)
    return seen


def test_a_large_day_vacuums_the_tables_it_rewrote(imported_url, cli_env, _cached_config, monkeypatch) -> None:
    directory, policy = _cached_config
    app = build_app(directory=directory, policy=policy, migrate=False)
    postgres = app.engine.dialect.name == "postgresql"
    day = date(2025, 7, 1)
    # Below the threshold (the shipped plan: a few hundred cycles): no vacuum.
    assert _vacuums(app, lambda: evaluate_dry(app.runtime, day)) == []
    monkeypatch.setattr(daily, "VACUUM_AFTER", 1)
    # A dry run works in one transaction that is rolled back: never a vacuum (it cannot run in one).
    assert _vacuums(app, lambda: evaluate_dry(app.runtime, day)) == []
    report = {}
    seen = _vacuums(app, lambda: report.update(evaluate_day(app.runtime, day).as_json()))
    # The dry runs left the runtime's caches as they found them: the real run creates the cycles.
    assert report["created"] > 0 and report["recipients"] > 0
    if not postgres:
        assert seen == []
        return
    assert seen == ["VACUUM (ANALYZE) cycle", "VACUUM (ANALYZE) cycle, reminderledger"]
    with Session(app.engine) as s:  # the statistics are there: the planner knows the rows just written
        analysed = s.execute(
            text(
                "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() "
                "AND tablename IN ('cycle', 'reminderledger')"
            )
        ).scalar_one()
    assert analysed > 0
