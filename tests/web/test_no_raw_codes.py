"""No code where a person reads (issue 12, point 3 and "Done when" 2), on SQLite and PostgreSQL.

The shipped plan lives a stretch of days (the seed's 20/06/2025, then 01/07, 15/07 and 06/08/2025: openings,
reminders, overdue reminders, escalations), the agencies answer through their links (done, an extension
request, "not ours"), an officer decides through the pages (accept, return, extend, refuse, reassign, resend,
revoke) and opens a round, the outbox sends, and some messages end dead or unconfirmed. Then every officers'
page is fetched through the application with an officer logged in — the overview, the plans, every task and
indicator, every cycle that has answers, decisions or messages, every agency's page and the list of cycles,
the review queue, the round, the dead and
unconfirmed messages, the import and round forms —, the Excel report and the agencies' answer pages, and every
CLI command prints its human output over the same database (flow commands run directly, no Prefect server).
In the visible text (tags and attributes stripped: codes in URLs and form values are fine) no code of the
enums, the reminder steps, the deadline kinds, the channels or the actors appears as a word.
"""

import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlmodel import Session
from support.web import Web, make_web
from typer.testing import CliRunner

from cli.main import app as cli
from models.domain import states
from models.domain.clock import today_local
from models.domain.report_states import State
from models.services.daily import evaluate_day
from models.store.answer_tables import AnswerReview
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReminderLedger, ReportRound
from models.store.plan_tables import Agency, Indicator, Task

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
LIVED = (date(2025, 7, 1), date(2025, 7, 15), date(2025, 8, 6))  # after the seed's 20/06/2025
TODAY = LIVED[-1]
DONE = {"status": "done", "progress": "100", "done_text": "Đã ban hành.", "document_number": "45/KH-SKHCN"}
DONE |= {"document_date": "2025-07-10"}
CONTACTS = Path(__file__).resolve().parents[1] / "data" / "contacts" / "contacts_ok.csv"
runner = CliRunner()


class _Visible(HTMLParser):
    """The text a person sees: character data outside <script>/<style>; attributes are never data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in {"script", "style"}

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in {"script", "style"} and self._hidden > 0

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def _codes(session: Session) -> set[str]:
    """Every code a person must never read: the enums' values, the step names the data holds (and the
    vocabulary's), the deadline kinds, the channels, the actors."""
    enums = (
        states.CycleStatus,
        states.NotificationStatus,
        states.AnswerStatus,
        states.Decision,
        states.Role,
        states.CycleKind,
        State,
    )
    codes = {member.value for enum in enums for member in enum}
    codes |= set(states.DEADLINE_KIND_TEXT) | set(states.STEP_TEXT) | set(states.ACTOR_TEXT)
    codes |= set(session.execute(select(Notification.step).distinct()).scalars())
    codes |= set(session.execute(select(ReminderLedger.step).distinct()).scalars())
    codes |= {a for a in session.execute(select(CycleEvent.actor).distinct()).scalars() if ":" in a}
    # Channel names as codes ("zalo", "sms"); "email" is also the ordinary Vietnamese word (địa chỉ email).
    codes |= set(session.execute(select(Notification.channel).distinct()).scalars()) - {"email"}
    return codes


def raw_codes(text: str, codes: set[str]) -> list[str]:
    """The codes that stand as words of their own in ``text`` (case-sensitive: "SMS" and "Zalo" are names)."""
    found = []
    for code in sorted(codes):
        if re.search(rf"(?<![\w./:#-]){re.escape(code)}(?![\w/:#-]|\.\w)", text):
            found.append(code)
    return found


def _live(web: Web) -> dict[str, int]:
    """The stretch of days, the agencies' answers and the officer's decisions; the cycles each one touched."""
    core = web.ctx.core
    for day in LIVED[:-1]:
        evaluate_day(core.runtime, day)
        core.dispatch()
    with web.session() as s:
        answerable = [
            cycle_id
            for (cycle_id,) in s.execute(
                select(Cycle.id).where(Cycle.status.in_(list(states.REMINDING))).order_by(Cycle.id)  # type: ignore[attr-defined]
            )
            if cycle_id in web.links
        ]
    assert len(answerable) >= 8, "the stretch left too few cycles with a link to answer"
    picks = dict(
        zip(
            ["accept", "return", "extend", "refuse", "reassign", "resend", "revoke", "waiting"],
            answerable,
            strict=False,
        )
    )
    asks = {
        "refuse": {"extension_to": (TODAY + timedelta(days=20)).isoformat(), "extension_reason": "Chờ số liệu"},
        "reassign": {**DONE, "other_agency": "Sở Nội vụ"},
    }
    for name in ("accept", "return", "refuse", "reassign", "waiting"):
        response = web.answer(web.links[picks[name]], asks.get(name, DONE))
        assert response.status_code == 303, (name, response.text[:300])
    decided = {
        "accept": {"comment": "Đạt yêu cầu."},
        "return": {"comment": "Bổ sung số liệu quý II."},
        "extend": {"new_due": (TODAY + timedelta(days=30)).isoformat(), "comment": "Đồng ý."},
        "refuse": {"comment": "Không có lý do chính đáng."},
        "reassign": {"agency": "Sở Nội vụ", "comment": "Theo báo cáo của cơ quan."},
        "resend": {},
        "revoke": {},
    }
    for action, data in decided.items():
        response = web.act(picks[action], action, **data)
        assert response.status_code == 303, (action, response.text[:300])
    page = web.client.get("/officers/rounds/new").text
    response = web.client.post(
        "/officers/rounds",
        data={"csrf": web.csrf(page), "title": "Báo cáo sơ kết", "due": (TODAY + timedelta(days=10)).isoformat()}
        | {"tasks": "1, 5", "message": "Đề nghị báo cáo kết quả."},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    evaluate_day(core.runtime, TODAY)
    core.dispatch()
    with web.session() as s:  # what a provider's refusal and a crash mid-send leave (as the outbox records them)
        rows = list(s.execute(select(Notification.id).order_by(Notification.id.desc()).limit(6)).scalars())  # type: ignore[union-attr]
        s.execute(
            update(Notification)
            .where(Notification.id.in_(rows[:3]))  # type: ignore[union-attr]
            .values(
                status="dead", attempts=5, error_class="permanent", last_error="Zalo -118: người nhận không dùng Zalo"
            )
        )
        s.execute(
            update(Notification)
            .where(Notification.id.in_(rows[3:]))  # type: ignore[union-attr]
            .values(status="unconfirmed", attempts=2, last_error="hết thời gian chờ nhà cung cấp trả lời")
        )
        s.commit()
    return picks


def _officer_pages(web: Web) -> list[str]:
    with web.session() as s:
        tasks = list(s.execute(select(Task.id).order_by(Task.id)).scalars())
        indicators = list(s.execute(select(Indicator.id).order_by(Indicator.id)).scalars())
        touched = set(s.execute(select(AnswerReview.cycle_id)).scalars())
        touched |= set(s.execute(select(Notification.cycle_id).where(Notification.cycle_id.is_not(None))).scalars())  # type: ignore[union-attr]
        touched |= set(s.execute(select(Cycle.id).where(Cycle.status != states.CycleStatus.open)).scalars())
        rounds = list(s.execute(select(ReportRound.id)).scalars())
        agencies = list(
            s.execute(
                select(Agency.code).join(Cycle, Cycle.agency_id == Agency.id).distinct().order_by(Agency.code)
            ).scalars()
        )
    return [
        "/officers",
        "/officers?plan=all",
        "/officers/review",
        "/officers/messages/dead",
        "/officers/messages/unconfirmed",
        "/officers/rounds/new",
        "/officers/plans/import",
        "/officers/cycles",
        *(f"/officers/agencies/{code}" for code in agencies),
        *(f"/officers/rounds/{i}" for i in rounds),
        *(f"/officers/tasks/{i}" for i in tasks),
        *(f"/officers/indicators/{i}" for i in indicators),
        *(f"/officers/cycles/{i}" for i in sorted(touched)),
    ]


# Every command with a human output, over the lived database (flow commands run their flow code directly).
COMMANDS = [
    ["plan", "list"],
    ["plan", "show"],
    ["plan", "show", "--task", "5"],
    ["cycles"],
    ["cycles", "--status", "answered"],
    ["outbox"],
    ["outbox", "--summary"],
    ["outbox", "--status", "dead"],
    ["users", "list"],
    ["agencies"],
    ["agencies", "unresolved"],
    ["deadline", "explain", "Tháng 8/2025", "Thường xuyên", "--from", "2025-01-24"],
    ["db", "current"],
    ["channels", "status"],
    ["daily", "--today", TODAY.isoformat(), "--dry-run"],
    ["daily", "--today", (TODAY + timedelta(days=1)).isoformat()],
    ["dispatch"],
    ["digest", "--today", (TODAY + timedelta(days=5)).isoformat()],
    ["simulate", "--from", (TODAY + timedelta(days=2)).isoformat(), "--to", (TODAY + timedelta(days=3)).isoformat()],
    # A round's due date may not be past on the real calendar.
    [
        "round",
        "open",
        "--title",
        "Báo cáo nhanh",
        "--due",
        (today_local() + timedelta(days=30)).isoformat(),
        "--task",
        "1",
    ],
    ["report", "--out", "{tmp}/bao-cao.xlsx"],
    ["run", "--today", (TODAY + timedelta(days=4)).isoformat()],
    ["db", "upgrade"],
    ["plan", "import", "{plan}"],
    ["plan", "track-from", "25/KH-UBND", "2025-06-01"],
    ["status", "load", "{tmp}/tinh-trang.csv", "--today", TODAY.isoformat()],
    ["agencies", "load", "{contacts}"],
    ["agencies", "link", "so-noi-vu"],
    ["agencies", "revoke-links", "so-noi-vu"],
    ["users", "add", "tran.b", "--name", "Trần Văn B", "--password-stdin"],
    ["users", "disable", "tran.b"],
    ["channels", "test", "--channel", "email", "--to", "van.thu@example.org"],
    ["plan", "retire", "25/KH-UBND"],
    ["plan", "list"],
]


def test_no_raw_code_on_any_officers_page_or_cli_output(
    seeded_url: str, cli_env: str, plan_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = make_web(seeded_url, tmp_path, today=TODAY)
    web.login()
    _live(web)
    with web.session() as s:
        codes = _codes(s)
    assert {"before_14", "overdue_1", "escalation", "daily", "accepted", "returned"} <= codes  # the stretch made them
    problems: dict[str, list[str]] = {}
    pages = _officer_pages(web)
    for path in pages:
        response = web.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if found := raw_codes(visible_text(response.text), codes):
            problems[path] = found
    # The Excel report an officer downloads, and the agencies' own pages (their answer links): read by people.
    book = load_workbook(io.BytesIO(web.client.get("/officers/report.xlsx").content), read_only=True)
    for sheet in book.worksheets:
        cells = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str))
        if found := raw_codes(cells, codes):
            problems[f"report.xlsx «{sheet.title}»"] = found
    for path in sorted(web.links.values())[:12]:
        if found := raw_codes(visible_text(web.client.get(path).text), codes):
            problems[path] = found
    monkeypatch.setenv("DONDOC_PREFECT_MODE", "direct")
    monkeypatch.setenv("DONDOC_DATA_DIR", str(web.settings.data_dir))
    monkeypatch.setenv("DONDOC_SECRET_KEY", "test-secret-key-for-web-tests")
    with web.session() as s:
        task = s.execute(select(Task).where(Task.number == "1")).scalar_one()
    (tmp_path / "tinh-trang.csv").write_text(
        f"STT,Cơ quan,Tình trạng,Số văn bản,Ngày,Ghi chú\n1,{task.lead_raw},Đang thực hiện,,,Đang tổng hợp\n",
        encoding="utf-8",
    )
    files = {"{tmp}": str(tmp_path), "{plan}": str(plan_path), "{contacts}": str(CONTACTS)}
    for args in COMMANDS:
        for mark, value in files.items():
            args = [a.replace(mark, value) for a in args]
        result = runner.invoke(cli, args, input="mat-khau-rat-dai-2026\n")
        assert result.exit_code == 0, (args, result.output[-1500:])
        assert "Traceback" not in result.output
        # `deadline explain` prints the rule in English too, on its own "EN:" line (README): English prose,
        # where "due" and "periodic" are words, not codes.
        shown = "\n".join(line for line in result.stdout.splitlines() if not line.lstrip().startswith("EN: "))
        if found := raw_codes(shown, codes):
            problems[" ".join(args)] = found
    assert not problems, "\n".join(f"{where}: {found}" for where, found in problems.items())
    assert len(pages) > 150  # every task and indicator, and the cycles the stretch touched
