"""Helpers of the tests that work on a seeded database and the web application over it.

The seed: the shipped plan imported into a fresh database (SQLite and PostgreSQL), the daily evaluation of
20/06/2025 run (periodic reports open, one task overdue, their messages queued with links) and an officer's
account. The fixtures that use these helpers are in ``tests/conftest.py`` (``seeded_url``) and
``tests/web/conftest.py`` (``web``, ``officer``).
"""

import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from fastapi.testclient import TestClient

from config.settings import SHIPPED_MESSAGES, Settings
from models.domain.clock import utcnow
from models.domain.tokens import link_for, reveal, token_expiry
from models.services.daily import evaluate_day
from models.services.importer import import_plan
from models.services.officer_accounts import hash_password
from models.store.answer_tables import Answer, AnswerReview, OfficerUser
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReminderLedger, ResponseToken
from models.store.db import make_engine
from models.store.tokens import new_link
from web.app import create_app
from web.security import Limits

DAY = date(2025, 6, 20)
PASSWORD = "mat-khau-rat-dai-2025"
SECRET = "test-secret-key-for-web-tests"  # the seed's and the web application's: the links derive from it
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Web:
    client: TestClient
    app: Any
    settings: Settings
    engine: Engine
    today: date
    links: dict[int, str] = field(default_factory=dict)  # cycle id → answer path /r/<token>

    @property
    def ctx(self) -> Any:
        return self.app.state.ctx

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def path_for(self, **where: Any) -> tuple[int, str]:
        """(cycle id, answer path) of the first cycle with a link matching ``where`` (Cycle columns)."""
        with self.session() as s:
            stmt = select(Cycle.id).where(*[getattr(Cycle, k) == v for k, v in where.items()]).order_by(Cycle.id)
            for (cycle_id,) in s.execute(stmt):
                if cycle_id in self.links:
                    return cycle_id, self.links[cycle_id]
        raise LookupError(f"no cycle with a link where {where}")

    def csrf(self, html: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', html)
        assert found, "no CSRF field on the page"
        return found.group(1)

    def form(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.text[:500]
        return self.csrf(response.text)

    def answer(self, path: str, data: dict[str, str], files: Any = None, **kwargs: Any) -> Any:
        payload = {"csrf": self.form(path), **data}
        return self.client.post(path, data=payload, files=files, follow_redirects=False, **kwargs)

    def login(self, login: str = "can.bo", password: str = PASSWORD) -> None:
        page = self.client.get("/officers/login")
        response = self.client.post(
            "/officers/login",
            data={"csrf": self.csrf(page.text), "login": login, "password": password, "next": "/officers"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:500]

    def officer_csrf(self, path: str = "/officers/review") -> str:
        return self.csrf(self.client.get(path).text)

    def act(self, cycle_id: int, action: str, **data: str) -> Any:
        return self.client.post(
            f"/officers/cycles/{cycle_id}/{action}",
            data={"csrf": self.officer_csrf(), **data},
            follow_redirects=False,
        )


def snapshot(engine: Engine) -> dict[str, Any]:
    """What GET must never change: every row of the reporting tables that a request could touch."""
    with Session(engine) as s:
        return {
            "cycles": [tuple(r) for r in s.execute(select(Cycle.__table__).order_by(Cycle.id))],  # type: ignore[attr-defined]
            "tokens": [tuple(r) for r in s.execute(select(ResponseToken.__table__).order_by(ResponseToken.id))],  # type: ignore[attr-defined]
            "events": s.execute(select(func.count()).select_from(CycleEvent)).scalar_one(),
            "answers": s.execute(select(func.count()).select_from(Answer)).scalar_one(),
            "reviews": s.execute(select(func.count()).select_from(AnswerReview)).scalar_one(),
            "notifications": s.execute(select(func.count()).select_from(Notification)).scalar_one(),
            "ledger": s.execute(select(func.count()).select_from(ReminderLedger)).scalar_one(),
        }


def attachments(data_dir: Path) -> list[Path]:
    root = data_dir / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def seed(url: str, plan_path: Path, data_dir: Path) -> None:
    """The shipped plan, the daily evaluation of ``DAY`` and an officer, written into the database at ``url``."""
    from config.app import build_app

    settings = Settings(database_url=url, data_dir=data_dir, public_base_url="http://testserver", secret_key=SECRET)  # type: ignore[arg-type]
    core = build_app(settings, migrate=False)
    import_plan(core.engine, plan_path, core.runtime.directory, core.runtime.config)
    core.runtime.forget()
    evaluate_day(core.runtime, DAY)
    with Session(core.engine) as s:
        s.add(
            OfficerUser(
                login="can.bo", name="Nguyễn Thị Cán Bộ", password_hash=hash_password(PASSWORD), created_at=utcnow()
            )
        )
        s.commit()
    core.engine.dispose()


def make_web(url: str, tmp_path: Path, limits: Limits | None = None, today: date = DAY, **kwargs: Any) -> Web:
    """The web application over a seeded database (its own engine: ``web.engine.dispose()`` when done),
    its clock on ``today`` (the seed's day unless a test lived more days on it)."""
    from config.app import App, signing_key
    from config.files import SHIPPED_AGENCIES
    from config.policy import load_policy
    from models.domain.agencies import Directory
    from models.domain.messages import Templates
    from models.services.runtime import Runtime

    settings = Settings(
        database_url=url,
        data_dir=tmp_path / "data",
        public_base_url="http://testserver",
        secret_key=SECRET,  # type: ignore[arg-type]
    )
    directory, config = SHARED.get("config") or (Directory.load(SHIPPED_AGENCIES), load_policy(None))
    engine = make_engine(url)
    runtime = Runtime(
        engine=engine,
        directory=directory,
        config=config,
        policy=config.reporting_policy(),
        calendar=config.calendar(),
        templates=Templates(SHIPPED_MESSAGES),
        public_base_url=settings.public_base_url,
        link_key=signing_key(settings),
        channel_order=list(settings.channel_order),
        email_copy=settings.email_copy,
    )
    core = App(settings=settings, engine=engine, runtime=runtime)
    app = create_app(settings, migrate=False, today=lambda: today, limits=limits, core=core, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = TestClient(app)
    web = Web(client=client, app=app, settings=settings, engine=engine, today=today)
    with web.session() as s:
        for cycle_id, link, context in s.execute(
            select(Notification.cycle_id, Notification.link, Notification.context).where(
                Notification.link.is_not(None)  # type: ignore[union-attr]
            )
        ):
            if cycle_id is not None and "/r/" in link and not (context or {}).get("cycles"):
                # The stored link is a reference; the message sent carries the real one (models.domain.tokens).
                web.links.setdefault(cycle_id, reveal(link, runtime.link_key).removeprefix("http://testserver"))
        # The day's consolidated messages carry one agency link (the agency page); the cycles they list
        # also get a per-cycle link, as an officer's message would give them (per-cycle links keep working).
        listed = {c for (ctx,) in s.execute(select(Notification.context)) for c in (ctx or {}).get("cycles", [])}
        for cycle in s.execute(select(Cycle).where(Cycle.id.in_(sorted(listed - set(web.links))))).scalars():  # type: ignore[union-attr]
            ref = new_link(
                s, runtime.link_key, cycle_id=cycle.id or 0, agency_id=cycle.agency_id,
                expires_at=token_expiry(cycle.due, utcnow()),
            )  # fmt: skip
            path = reveal(link_for(settings.public_base_url, ref), runtime.link_key).partition("/r/")[2]
            web.links[cycle.id or 0] = f"/r/{path}"
        s.commit()
    ENGINES.append(engine)
    return web


# Shared parsed configuration (set by the ``seeded_url`` fixture) and engines to dispose after each test.
SHARED: dict[str, Any] = {}
ENGINES: list[Engine] = []
