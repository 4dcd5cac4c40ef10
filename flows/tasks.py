"""The Prefect tasks the flows share: a service step run as one coarse task, and the outbox dispatch.

Coarse on purpose (``flows/__init__``): a step is a whole phase of the day or a chunk of ≥ 500 cycles,
never one message. Tasks take closures over the flow's ``App`` (built once per flow run), not the App
itself: nothing large or unhashable becomes a task parameter, and ``NO_CACHE`` keeps Prefect from caching
what must run every time (a cached send would swallow a legitimate repeat reminder).
"""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from config.app import App

T = TypeVar("T")


@task(name="step", cache_policy=NO_CACHE)
def _step(run: Callable[[], Any]) -> Any:
    return run()


def in_flow_run() -> bool:
    """Whether this code runs inside a Prefect flow run (not a flow's code called directly, ``flow.fn``)."""
    return FlowRunContext.get() is not None


def flow_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The flow run's logger under Prefect; dondoc's own logger when the flow code runs directly."""
    return get_run_logger() if in_flow_run() else logging.getLogger("dondoc.flows")  # type: ignore[return-value]


def as_task(name: str, run: Callable[[], T]) -> T:
    """Run ``run()`` as a Prefect task named ``name`` (a step runner for ``models.services.daily``); run
    directly when the flow's code runs without Prefect (``cli.common.run_flow``)."""
    if not in_flow_run():
        return run()
    return _step.with_options(name=name)(run)  # type: ignore[no-any-return]


def dispatch_outbox(app: App, max_batches: int | None = None) -> dict[str, Any]:
    """Send what is due in the outbox, as the ``dispatch-outbox`` task; its counts as a dict."""
    return as_task("dispatch-outbox", lambda: app.dispatch(max_batches).__dict__)
