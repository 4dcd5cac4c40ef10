"""prefect.yaml deploys the five flows with their schedules in Asia/Ho_Chi_Minh; flows/serve.py builds
the same deployments for a single-process setup."""

import importlib
from pathlib import Path

import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_deploys_the_five_flows() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == {"daily", "dispatch", "digest", "round", "watch"}
    for name, dep in deployments.items():
        path, _, func = dep["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, func)
        assert isinstance(flow, Flow), name
        for schedule in dep.get("schedules") or []:
            assert schedule["timezone"] == "Asia/Ho_Chi_Minh"
            assert len([k for k in ("cron", "interval", "rrule") if k in schedule]) == 1
    assert deployments["daily"]["schedules"][0]["cron"] == "0 7 * * *"
    assert deployments["digest"]["schedules"][0]["cron"] == "30 7 * * 1"
    assert deployments["daily"]["concurrency_limit"] == 1
    assert not deployments["round"]["schedules"]  # officer-triggered
    assert deployments["watch"]["schedules"][0]["cron"] == "*/15 7-21 * * *"  # the alerts (flows/watch.py)
    assert deployments["watch"]["concurrency_limit"] == 1


def test_flow_names_match_the_deployment_commands() -> None:
    from flows.daily import daily
    from flows.digest import digest
    from flows.dispatch import dispatch
    from flows.round import round_flow
    from flows.watch import watch

    flows = (daily, dispatch, digest, round_flow, watch)
    assert [f.name for f in flows] == ["daily", "dispatch", "digest", "round", "watch"]


def test_serve_and_prefect_yaml_have_the_same_schedules_and_settings() -> None:
    """``dondoc up`` (flows/serve.py) and a worker deploy (prefect.yaml) schedule the same runs under the same
    slugs; the file's job variables carry no secret and only placeholders filled in at deploy time."""
    from flows.serve import deployments

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    in_file = {d["name"]: sorted((s["cron"], s["slug"]) for s in d.get("schedules") or []) for d in spec["deployments"]}
    served = {d.name: sorted((s.schedule.cron, s.slug) for s in d.schedules or []) for d in deployments()}
    assert served == in_file
    for dep in spec["deployments"]:
        env = dep["work_pool"]["job_variables"]["env"]
        assert not {"DONDOC_SECRET_KEY", "DONDOC_DATABASE_URL"} & set(env)
        assert all(v.startswith("{{ $") for k, v in env.items() if k.startswith("DONDOC_"))
