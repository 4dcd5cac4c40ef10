"""Serve the five flows with their schedules from one long-running process (no work pool needed):
``python -m flows.serve``. Needs a Prefect server (``prefect server start``) for schedules to fire."""

from prefect import serve

from flows.daily import daily
from flows.digest import digest
from flows.dispatch import dispatch
from flows.round import round_flow
from flows.watch import watch

TZ = "Asia/Ho_Chi_Minh"


def main() -> None:
    from prefect.schedules import Cron

    serve(
        daily.to_deployment(name="daily", schedule=Cron("0 7 * * *", timezone=TZ), concurrency_limit=1),
        dispatch.to_deployment(name="dispatch", schedule=Cron("*/15 7-17 * * 1-5", timezone=TZ), concurrency_limit=1),
        digest.to_deployment(name="digest", schedule=Cron("30 7 * * 1", timezone=TZ)),
        watch.to_deployment(name="watch", schedule=Cron("*/15 7-21 * * *", timezone=TZ), concurrency_limit=1),
        round_flow.to_deployment(name="round"),
        pause_on_shutdown=False,
    )


if __name__ == "__main__":
    main()
