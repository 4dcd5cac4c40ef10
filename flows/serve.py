"""Serve the five flows with their schedules from one long-running process (no work pool needed):
``python -m flows.serve`` (``dondoc up`` runs it beside Prefect's server and the web app). Needs a
Prefect server (``prefect server start``) for schedules to fire.

Each schedule has a slug, the same as in ``prefect.yaml``: a restart (or a deploy from the file) updates
the deployment's schedule in place instead of adding a second one beside it.

Once every deployment is registered, the file named by ``DONDOC_SERVE_READY_FILE`` (when set) is written:
``dondoc up`` waits for it, because on a restart the deployments are already in the API before this
process has registered them again. A Ctrl+C (SIGINT, ``dondoc up``'s stop signal) while registering ends
the process quietly, as it does once serving."""

import asyncio
import os
import sys
from pathlib import Path

TZ = "Asia/Ho_Chi_Minh"


def deployments() -> list:  # type: ignore[type-arg]
    """The five deployments, schedules as in ``prefect.yaml`` (``tests/flows/test_deployments.py`` checks)."""
    # imported here, not at the top: a Ctrl+C while Prefect loads falls inside main()'s try
    from prefect.schedules import Cron

    from flows.daily import daily
    from flows.digest import digest
    from flows.dispatch import dispatch
    from flows.round import round_flow
    from flows.watch import watch

    return [
        daily.to_deployment(
            name="daily", schedule=Cron("0 7 * * *", timezone=TZ, slug="daily-0700"), concurrency_limit=1
        ),
        dispatch.to_deployment(
            name="dispatch",
            schedule=Cron("*/15 7-17 * * 1-5", timezone=TZ, slug="dispatch-15min"),
            concurrency_limit=1,
        ),
        digest.to_deployment(name="digest", schedule=Cron("30 7 * * 1", timezone=TZ, slug="digest-monday-0730")),
        watch.to_deployment(
            name="watch", schedule=Cron("*/15 7-21 * * *", timezone=TZ, slug="watch-15min"), concurrency_limit=1
        ),
        round_flow.to_deployment(name="round"),
    ]


READY_FILE = "DONDOC_SERVE_READY_FILE"


def main() -> None:
    """What ``prefect.serve`` does (a runner, each deployment added, then the runner started), with the
    ready file written between the last registration and the start."""
    try:
        from prefect.runner import Runner

        runner = Runner(pause_on_shutdown=False)
        for deployment in deployments():
            runner.add_deployment(deployment)
        if ready := os.environ.get(READY_FILE):
            Path(ready).write_text(str(os.getpid()))
        print("flows.serve: 5 deployments registered, serving (đã đăng ký, đang phục vụ)", flush=True)
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        print("flows.serve: stopped (đã dừng)", file=sys.stderr, flush=True)
    except BaseException as exc:  # Prefect's TerminationSignal (SIGTERM) also ends quietly
        if type(exc).__name__ != "TerminationSignal":
            raise
        print("flows.serve: stopped (đã dừng)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
