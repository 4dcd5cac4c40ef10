"""The Prefect tasks the flows share: a service step run as one coarse task, and the outbox dispatch.

Coarse on purpose (``flows/__init__``): a step is a whole phase of the day or a chunk of ≥ 500 cycles,
never one message. Tasks take closures over the flow's ``App`` (built once per flow run), not the App
itself: nothing large or unhashable becomes a task parameter, and ``NO_CACHE`` keeps Prefect from caching
what must run every time (a cached send would swallow a legitimate repeat reminder).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE

from config.app import App

T = TypeVar("T")


@task(name="step", cache_policy=NO_CACHE)
def _step(run: Callable[[], Any]) -> Any:
    return run()


def as_task(name: str, run: Callable[[], T]) -> T:
    """Run ``run()`` as a Prefect task named ``name`` (a step runner for ``models.services.daily``)."""
    return _step.with_options(name=name)(run)  # type: ignore[no-any-return]


def dispatch_outbox(app: App, max_batches: int | None = None) -> dict[str, Any]:
    """Send what is due in the outbox, as the ``dispatch-outbox`` task; its counts as a dict."""
    return as_task("dispatch-outbox", lambda: app.dispatch(max_batches).__dict__)
