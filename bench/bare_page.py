"""The baseline of ``bench_web.py``: a bare FastAPI + Jinja page on the same database, served the same way
(one uvicorn process on 127.0.0.1, the same client load), so the answer page's cost can be read as a
multiple of the least a page on this stack costs.

GET ``/p/{cycle_id}``: one indexed query (a cycle by its primary key, plain SQLAlchemy Core on a pooled
engine) rendered in a tiny in-memory template. POST ``/p/{cycle_id}``: the same query, the multipart form
read (with its small file), one row inserted into a table of its own, then 303 — what a form submit costs
at the least. No CSRF, limits, sniffing or history: those are what dondoc's own page adds.

    uvicorn bare_page:make --factory   (with DONDOC_DATABASE_URL set; bench_web.py starts it)
"""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, insert, select
from starlette.concurrency import run_in_threadpool

from models.store.db import make_engine

META = MetaData()
CYCLE = Table(  # only the columns the page shows; the table is dondoc's own
    "cycle",
    META,
    Column("id", Integer, primary_key=True),
    Column("label", String),
    Column("status", String),
    Column("due_effective", Date),
)
BARE_ANSWER = Table(  # the baseline's own table: dondoc's tables are left as dondoc wrote them
    "bench_bare_answer",
    META,
    Column("id", Integer, primary_key=True),
    Column("cycle_id", Integer, nullable=False),
    Column("done_text", String, nullable=False),
)
PAGE = Environment(autoescape=True).from_string(
    "<!doctype html><html lang=vi><head><meta charset=utf-8><title>Kỳ {{ c.label }}</title></head>"
    "<body><h1>Kỳ báo cáo {{ c.label }}</h1><p>Trạng thái: {{ c.status }}; hạn {{ c.due_effective }}</p>"
    "<form method=post enctype=multipart/form-data><textarea name=done_text></textarea>"
    "<input type=file name=attachment><button>Gửi báo cáo</button></form></body></html>"
)


def make() -> FastAPI:
    engine = make_engine(os.environ["DONDOC_DATABASE_URL"])  # dondoc's settings: WAL, busy timeout, pre-ping
    BARE_ANSWER.create(engine, checkfirst=True)
    app = FastAPI()

    def one_cycle(cycle_id: int) -> object:
        with engine.connect() as conn:
            return conn.execute(
                select(CYCLE.c.label, CYCLE.c.status, CYCLE.c.due_effective).where(CYCLE.c.id == cycle_id)
            ).one_or_none()

    def record(cycle_id: int, done: str) -> bool:
        with engine.begin() as conn:
            if conn.execute(select(CYCLE.c.id).where(CYCLE.c.id == cycle_id)).one_or_none() is None:
                return False
            conn.execute(insert(BARE_ANSWER).values(cycle_id=cycle_id, done_text=done))
        return True

    @app.get("/healthz")
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/p/{cycle_id}", response_class=HTMLResponse)
    def page(cycle_id: int) -> Response:  # a plain def: FastAPI runs it in its thread pool, as dondoc does
        row = one_cycle(cycle_id)
        if row is None:
            return HTMLResponse("không có", status_code=404)
        return HTMLResponse(PAGE.render(c=row))

    @app.post("/p/{cycle_id}")
    async def submit(cycle_id: int, request: Request) -> Response:
        form = await request.form()
        try:  # the database work in the thread pool, as dondoc's submit does it
            found = await run_in_threadpool(record, cycle_id, str(form.get("done_text") or ""))
        finally:
            await form.close()
        if not found:
            return HTMLResponse("không có", status_code=404)
        return RedirectResponse(f"/p/{cycle_id}", status_code=303)

    return app
