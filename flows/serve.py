"""Serve the five flows with their schedules from one long-running process (no work pool needed):
``python -m flows.serve`` (``dondoc up`` runs it beside Prefect's server and the web app). Needs a
Prefect server (``prefect server start``) for schedules to fire.

Each schedule has a slug, the same as in ``prefect.yaml``: a restart (or a deploy from the file) updates
the deployment's schedule in place instead of adding a second one beside it."""

from prefect import serve

from flows.daily import daily
from flows.digest import digest
from flows.dispatch import dispatch
from flows.round import round_flow
from flows.watch import watch

TZ = "Asia/Ho_Chi_Minh"


def deployments() -> list:  # type: ignore[type-arg]
    """The five deployments, schedules as in ``prefect.yaml`` (``tests/flows/test_deployments.py`` checks)."""
    from prefect.schedules import Cron

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


def main() -> None:
    serve(*deployments(), pause_on_shutdown=False)


if __name__ == "__main__":
    main()
