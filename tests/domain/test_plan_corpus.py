"""The reader's corpus (``tests/data/plans/corpus``): small plans in the layouts real documents have, in
.docx, .xlsx, .html, .pdf and markdown, each read and compared with the tasks a person reads in it
(``NAME.expected.json``, written by hand in ``make_corpus.py``); every source row accounted for."""

import json
from datetime import date
from pathlib import Path

import pytest

from models.domain.plan_reader import read_plan_file

CORPUS = Path(__file__).resolve().parents[1] / "data" / "plans" / "corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in {".docx", ".xlsx", ".html", ".pdf", ".md"})


def test_the_corpus_has_a_dozen_layouts_in_several_formats() -> None:
    assert len(FILES) >= 12
    assert {p.suffix for p in FILES} == {".docx", ".xlsx", ".html", ".pdf", ".md"}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_plan_reads_as_expected(path: Path) -> None:
    expected = json.loads((CORPUS / f"{path.name}.expected.json").read_text(encoding="utf-8"))
    plan = read_plan_file(path)
    assert plan.number == expected["number"]
    if "issued" in expected:
        assert plan.issued_on == date.fromisoformat(expected["issued"])
    if "issuer" in expected:
        assert plan.issuer == expected["issuer"]
    got = [
        {
            "number": t.number,
            "title": t.title,
            "lead": t.lead_raw,
            "deadline": t.deadline_raw,
            "section": t.section,
            **({"coordinating": t.coordinating_raw} if "coordinating" in want else {}),
            **({"extra": {k: v for k, v in t.extra.items() if k in want["extra"]}} if "extra" in want else {}),
        }
        for t, want in zip(plan.tasks, expected["tasks"], strict=False)
    ]
    assert got == expected["tasks"]
    assert len(plan.tasks) == len(expected["tasks"])
    assert len(plan.indicators) == expected.get("indicators", 0)
    assert plan.rows is not None and plan.rows.unaccounted == 0
    rows = plan.rows.as_json()
    for name, count in expected["rows"].items():
        assert (len(rows[name]) if name == "ignored" else rows[name]) == count, (name, rows)
    assert all(t.ref for t in plan.tasks)  # every task says where it came from
