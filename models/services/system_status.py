"""How dondoc itself is doing: the record of the daily runs and the one read of the system's state that
``dondoc status``, ``/metrics``, ``/readyz`` and the officers' page "Tình trạng hệ thống" all show.

1. **Runs** — :func:`recorded_run` wraps one daily run: a ``dailyrun`` row *running* at the start (its own
   small transaction, so it is visible while the run works), then *completed* with the run's figures or
   *failed* with the error. The ``daily`` flow uses it in both Prefect modes, so the status needs no
   Prefect server. A process killed mid-run leaves its row *running*; the status shows since when.
2. **State** — :func:`system_status` reads, in one session: the last run (and whether today's completed
   before the deadline), the outbox by channel and status, the oldest message not yet sent, provider
   errors of the last 24 h, the Zalo token, cycles open and overdue; and the disk free under the data
   folder. Counts only: nothing personal (no address, no name of a person, no link).

"Provider errors of the last 24 h" are outbox rows whose latest try, claimed in the last 24 h, failed
(``error_class`` is set: retryable, permanent, auth or unknown). The outbox keeps no log of every try,
so a row that failed and then went through is not counted, and a row that failed twice counts once.
"""

import json
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.clock import TZ, utcnow
from models.domain.states import CLAIMABLE, CycleStatus, NotificationStatus
from models.store.channel_tables import ProviderToken
from models.store.cycle_tables import Cycle, Notification
from models.store.run_tables import DailyRun

N = NotificationStatus
RUNNING, COMPLETED, FAILED = "running", "completed", "failed"
RUN_TEXT = {RUNNING: "Đang chạy", COMPLETED: "Hoàn thành", FAILED: "Lỗi"}
# The groups of outbox states the status shows: waiting to be sent (or re-sent), being sent now, given
# up, sent without a confirmed outcome.
QUEUED = frozenset(CLAIMABLE)
UNSENT = QUEUED | {N.sending}
ERROR_WINDOW = timedelta(hours=24)
# A run still "running" after this long has most likely lost its process (a day takes minutes here).
STUCK_AFTER = timedelta(hours=1)
FIGURES = ("created", "opened", "overdue", "queued", "folded", "cancelled")  # of the day report, kept per run


# --------------------------------------------------------------------------------------------------
# 1. Runs
# --------------------------------------------------------------------------------------------------


@dataclass
class RunFigures:
    """What a run reports back to :func:`recorded_run`: the flow puts its summary here."""

    summary: dict[str, Any] = field(default_factory=dict)


@contextmanager
def recorded_run(engine: Engine, day: date, mode: str) -> Iterator[RunFigures]:
    """Record one daily run of ``day`` (``mode``: "server" or "direct") around the block; the block sets
    ``figures.summary``. An exception marks the run *failed* with its message and propagates."""
    now = utcnow()
    with Session(engine) as session:
        row = DailyRun(
            day=day, status=RUNNING, mode=mode, started_at=now, host=socket.gethostname()[:64], pid=os.getpid()
        )
        session.add(row)
        session.commit()
        run_id = row.id
    figures = RunFigures()
    try:
        yield figures
    except BaseException as exc:
        _finish(engine, run_id, FAILED, figures.summary, f"{type(exc).__name__}: {exc}"[:4000])
        raise
    _finish(engine, run_id, COMPLETED, figures.summary, None)


def _finish(engine: Engine, run_id: int | None, status: str, summary: dict[str, Any], error: str | None) -> None:
    # A JSON round trip keeps only what a JSON column can hold (dates become strings).
    kept = json.loads(json.dumps(_kept_figures(summary), default=str))
    with Session(engine) as session:
        session.execute(
            update(DailyRun)
            .where(DailyRun.id == run_id)  # type: ignore[arg-type]
            .values(status=status, finished_at=utcnow(), figures=kept, error=error)
        )
        session.commit()


def _kept_figures(summary: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {k: summary[k] for k in FIGURES if k in summary}
    dispatch = summary.get("dispatch")
    if isinstance(dispatch, dict):
        kept["sent"] = dispatch.get("sent", 0)
        kept["dead"] = dispatch.get("dead", 0)
        kept["by_channel"] = dispatch.get("by_channel", {})
    if "prefect" in summary:
        kept["prefect"] = summary["prefect"]
    return kept


# --------------------------------------------------------------------------------------------------
# 2. State
# --------------------------------------------------------------------------------------------------


@dataclass
class SystemStatus:
    """The state of the system at ``now`` (aware UTC); ``deadline`` is the local time by which today's
    daily run must have completed."""

    now: datetime
    deadline: time
    last_run: DailyRun | None
    today_run: DailyRun | None  # the latest completed run of today (local day), if any
    messages: dict[str, dict[str, int]]  # channel → status → rows
    oldest_unsent_at: datetime | None
    provider_errors: dict[str, int]  # channel → rows whose latest try in the last 24 h failed
    zalo: ProviderToken | None
    disk_path: Path
    disk_free: int
    disk_total: int
    cycles: dict[str, int]  # open, overdue

    @property
    def today(self) -> date:
        return self.now.astimezone(TZ).date()

    @property
    def daily_late(self) -> bool:
        """Past the deadline (local) and no daily run of today has completed."""
        return self.today_run is None and self.now.astimezone(TZ).time() >= self.deadline

    def count(self, statuses: frozenset[str] | set[str], channel: str | None = None) -> int:
        rows = [self.messages.get(channel, {})] if channel else list(self.messages.values())
        return sum(n for by_status in rows for s, n in by_status.items() if s in statuses)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "queued": self.count(QUEUED),
            "sending": self.count({N.sending}),
            "dead": self.count({N.dead}),
            "unconfirmed": self.count({N.unconfirmed}),
        }

    @property
    def oldest_unsent_seconds(self) -> float | None:
        return (self.now - self.oldest_unsent_at).total_seconds() if self.oldest_unsent_at else None

    def as_json(self) -> dict[str, Any]:
        """The status for ``--json`` (codes and ISO times; field names are a public interface)."""

        def run_json(run: DailyRun | None) -> dict[str, Any] | None:
            if run is None:
                return None
            return {
                "day": run.day.isoformat(),
                "status": run.status,
                "mode": run.mode,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "figures": run.figures,
                "error": run.error,
            }

        zalo = None
        if self.zalo is not None:
            zalo = {
                "access_expires_at": _iso(self.zalo.access_expires_at),
                "refreshed_at": _iso(self.zalo.refreshed_at),
                "paused_until": _iso(self.zalo.paused_until),
            }
        return {
            "now": self.now.isoformat(),
            "last_run": run_json(self.last_run),
            "today_completed": self.today_run is not None,
            "daily_deadline": f"{self.deadline:%H:%M}",
            "daily_late": self.daily_late,
            "messages": self.totals,
            "messages_by_channel": self.messages,
            "oldest_unsent_at": _iso(self.oldest_unsent_at),
            "oldest_unsent_seconds": self.oldest_unsent_seconds,
            "provider_errors_24h": sum(self.provider_errors.values()),
            "provider_errors_24h_by_channel": self.provider_errors,
            "zalo_token": zalo,
            "disk": {"path": str(self.disk_path), "free_bytes": self.disk_free, "total_bytes": self.disk_total},
            "cycles": self.cycles,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def system_status(engine: Engine, data_dir: Path, deadline: time, now: datetime | None = None) -> SystemStatus:
    """Read the system's state (one session, reads only)."""
    now = now or utcnow()
    local_today = now.astimezone(TZ).date()
    with Session(engine) as s:
        last_run = s.execute(
            select(DailyRun).order_by(DailyRun.started_at.desc(), DailyRun.id.desc()).limit(1)
        ).scalar()  # type: ignore[attr-defined,union-attr]
        today_run = s.execute(
            select(DailyRun)
            .where(DailyRun.day == local_today, DailyRun.status == COMPLETED)  # type: ignore[arg-type]
            .order_by(DailyRun.finished_at.desc())  # type: ignore[union-attr]
            .limit(1)
        ).scalar()
        messages: dict[str, dict[str, int]] = {}
        for channel, status, n in s.execute(
            select(Notification.channel, Notification.status, func.count()).group_by(
                Notification.channel, Notification.status
            )
        ):
            messages.setdefault(channel, {})[status] = n
        oldest = s.execute(
            select(func.min(Notification.created_at)).where(Notification.status.in_(UNSENT))  # type: ignore[attr-defined]
        ).scalar()
        errors = dict(
            s.execute(  # type: ignore[arg-type]
                select(Notification.channel, func.count())
                .where(
                    Notification.error_class.is_not(None),  # type: ignore[union-attr]
                    Notification.claimed_at >= now - ERROR_WINDOW,  # type: ignore[operator]
                )
                .group_by(Notification.channel)
            ).all()
        )
        zalo = s.execute(select(ProviderToken).where(ProviderToken.provider == "zalo")).scalar()
        by_status = dict(
            s.execute(  # type: ignore[arg-type]
                select(Cycle.status, func.count())
                .where(Cycle.status.in_((CycleStatus.open, CycleStatus.overdue)))  # type: ignore[attr-defined]
                .group_by(Cycle.status)
            ).all()
        )
    path, free, total = disk_free(data_dir)
    return SystemStatus(
        now=now,
        deadline=deadline,
        last_run=last_run,
        today_run=today_run,
        messages=messages,
        oldest_unsent_at=_aware(oldest),
        provider_errors=errors,
        zalo=zalo,
        disk_path=path,
        disk_free=free,
        disk_total=total,
        cycles={"open": by_status.get(CycleStatus.open, 0), "overdue": by_status.get(CycleStatus.overdue, 0)},
    )


def _aware(value: datetime | None) -> datetime | None:
    """An aggregate (``min``) comes back without the column type's UTC on SQLite: attach it."""
    if value is None or value.tzinfo is not None:
        return value
    from datetime import UTC

    return value.replace(tzinfo=UTC)


def disk_free(folder: Path) -> tuple[Path, int, int]:
    """(the folder measured, bytes free, bytes total) of the file system holding ``folder`` — its nearest
    existing parent when it does not exist yet."""
    path = folder
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return path, usage.free, usage.total


# --------------------------------------------------------------------------------------------------
# 3. In Vietnamese: the lines ``dondoc status`` prints and the officers' page shows
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusLine:
    label: str
    value: str
    warn: bool = False  # shown as needing attention


def local_minute(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh ("—" for none)."""
    return f"{moment.astimezone(TZ):%d/%m/%Y %H:%M}" if moment else "—"


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} phút"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} giờ {minutes} phút"
    return f"{hours // 24} ngày"


def _bytes(n: int) -> str:
    # Vietnamese decimal comma (74,2 GB), as every figure people read
    return f"{n / 1024**3:.1f} GB".replace(".", ",") if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def status_lines(st: SystemStatus, zalo_configured: bool) -> list[StatusLine]:
    """The status as people read it: one labelled line each."""
    lines: list[StatusLine] = []
    run = st.last_run
    if run is None:
        lines.append(StatusLine("Lần chạy hằng ngày gần nhất", "chưa có lần chạy nào", warn=True))
    else:
        when = local_minute(run.finished_at or run.started_at)
        text = f"{RUN_TEXT.get(run.status, run.status)} — ngày chạy {run.day:%d/%m/%Y}, kết thúc lúc {when}"
        stuck = run.status == RUNNING and st.now - run.started_at > STUCK_AFTER
        if run.status == RUNNING:
            text = f"Đang chạy từ {local_minute(run.started_at)} (ngày {run.day:%d/%m/%Y})"
            if stuck:
                text += "; đã quá 1 giờ: tiến trình có thể đã dừng"
        if run.status == COMPLETED and run.figures:
            f = run.figures
            text += f"; {f.get('queued', 0)} tin xếp hàng, đã gửi {f.get('sent', 0)}"
        if run.error:
            text += f"; lỗi: {run.error[:200]}"
        lines.append(StatusLine("Lần chạy hằng ngày gần nhất", text, warn=run.status == FAILED or stuck))
    today = f"{st.today:%d/%m/%Y}"
    if st.today_run is not None:
        lines.append(
            StatusLine(f"Lần chạy ngày {today}", f"đã hoàn thành lúc {local_minute(st.today_run.finished_at)}")
        )
    elif st.daily_late:
        lines.append(StatusLine(f"Lần chạy ngày {today}", f"chưa hoàn thành, đã quá {st.deadline:%H:%M}", warn=True))
    else:
        lines.append(StatusLine(f"Lần chạy ngày {today}", f"chưa hoàn thành (hạn {st.deadline:%H:%M})"))
    t = st.totals
    lines.append(StatusLine("Tin nhắn chờ gửi", str(t["queued"])))
    lines.append(StatusLine("Tin nhắn đang gửi", str(t["sending"])))
    lines.append(StatusLine("Tin nhắn không gửi được", str(t["dead"]), warn=t["dead"] > 0))
    lines.append(StatusLine("Đã gửi, chưa rõ kết quả", str(t["unconfirmed"]), warn=t["unconfirmed"] > 0))
    oldest = st.oldest_unsent_seconds
    lines.append(
        StatusLine(
            "Tin nhắn chờ lâu nhất",
            "không có" if oldest is None else f"xếp hàng từ {local_minute(st.oldest_unsent_at)} ({_age(oldest)})",
            warn=oldest is not None and oldest > 24 * 3600,
        )
    )
    errors = sum(st.provider_errors.values())
    by_channel = ", ".join(f"{c}: {n}" for c, n in sorted(st.provider_errors.items()))
    lines.append(
        StatusLine("Lỗi nhà cung cấp trong 24 giờ", f"{errors} ({by_channel})" if errors else "0", warn=errors > 0)
    )
    lines.append(_zalo_line(st, zalo_configured))
    free_share = st.disk_free / st.disk_total if st.disk_total else 1.0
    lines.append(
        StatusLine(
            "Dung lượng trống",
            f"{_bytes(st.disk_free)} / {_bytes(st.disk_total)} ({free_share:.0%}) tại {st.disk_path}",
            warn=free_share < 0.1,
        )
    )
    lines.append(StatusLine("Kỳ báo cáo đang mở / quá hạn", f"{st.cycles['open']} / {st.cycles['overdue']}"))
    return lines


def _zalo_line(st: SystemStatus, configured: bool) -> StatusLine:
    label = "Mã truy cập Zalo"
    if not configured:
        return StatusLine(label, "Zalo chưa cấu hình (tin Zalo ghi vào kênh file)")
    token = st.zalo
    if token is None or token.access_expires_at is None:
        return StatusLine(label, "chưa có mã truy cập (sẽ lấy khi gửi tin đầu tiên)")
    if token.paused_until and token.paused_until > st.now:
        return StatusLine(
            label, f"Zalo tạm dừng đến {local_minute(token.paused_until)}: làm mới mã bị từ chối", warn=True
        )
    left = (token.access_expires_at - st.now).total_seconds()
    if left <= 0:
        return StatusLine(label, f"đã hết hạn lúc {local_minute(token.access_expires_at)} (làm mới khi gửi tin)")
    return StatusLine(label, f"hết hạn lúc {local_minute(token.access_expires_at)} (còn {_age(left)})")
