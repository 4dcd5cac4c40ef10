"""Runs whose process died: found *Running* in Prefect's history, marked *Crashed* by the next command.

A flow run started from the CLI (``dondoc daily``, ``run``, ``dispatch`` …) and then killed (``kill -9``,
OOM, power cut) never reports its end: Prefect keeps it *Running* (with its task runs) forever — the
temporary server has no heartbeat watcher. So every CLI flow run carries a tag naming its process,
``dondoc-pid:<host>:<pid>:<start>`` (``<start>``: the process start time from ``/proc``, so that a reused
pid is not taken for the dead process), and each CLI flow command first looks for *Running* / *Pending*
runs with such a tag of this host whose process no longer exists, and sets them — and their unfinished
task runs — to *Crashed*. Runs of other hosts, and runs started by workers or ``serve()`` (no tag), are
left alone: their liveness is not knowable from here.
"""

import logging
import os
import socket

log = logging.getLogger("dondoc.flows")

PREFIX = "dondoc-pid:"


def _start_time(pid: int) -> str:
    """The process start time in clock ticks since boot (``/proc/PID/stat`` field 22); "" when unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]  # fields after the command name start at field 3


def process_tag(pid: int | None = None) -> str:
    """The tag of this process's flow runs."""
    pid = pid or os.getpid()
    return f"{PREFIX}{socket.gethostname()}:{pid}:{_start_time(pid)}"


def _dead(tag: str) -> bool:
    """Whether the process a tag names is gone (only for tags of this host)."""
    try:
        host, pid_text, start = tag[len(PREFIX) :].rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, another user's
    return bool(start) and _start_time(pid) not in ("", start)  # the pid was reused by another process


def mark_abandoned_runs() -> list[str]:
    """Set *Crashed* the flow runs (and their unfinished task runs) whose process died; their ids."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    unfinished = [StateType.RUNNING, StateType.PENDING]
    crashed: list[str] = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=unfinished)))
        )
        for run in runs:
            tags = [t for t in run.tags if t.startswith(PREFIX)]
            if not tags or not _dead(tags[0]):
                continue
            message = "the process running it ended without reporting (killed?) / tiến trình đã dừng đột ngột"
            client.set_flow_run_state(run.id, Crashed(message=message), force=True)
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])),
                task_run_filter=TaskRunFilter(state=TaskRunFilterState(type=TaskRunFilterStateType(any_=unfinished))),
            )
            for task_run in tasks:
                client.set_task_run_state(task_run.id, Crashed(message=message), force=True)
            crashed.append(str(run.id))
            log.warning("flow run %s (%s) was left running by a dead process: marked Crashed", run.name, run.id)
    return crashed
