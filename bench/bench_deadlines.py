"""Benchmark of the deadline rules: parse and expand 100,000 phrases drawn from a realistic, seeded mix.

Mix: 60 % phrases as plans write them (months, years, quarters, windows, recurrences, ongoing, compounds,
with random values and the plan's own spellings: "Tháng 07/2025", "Năm 2025- 2026"…), 25 % the very phrases
of 25/KH-UBND in their real frequencies, 15 % noise (misspellings, impossible dates, free text, random
Unicode, control characters, a few very long cells). Each phrase is parsed and expanded (plan issued
24/01/2025, horizon 2030-12-31) with one shared working-day calendar.

Timed passes run without tracing: parse only and parse + expand with memoisation off (every phrase parsed
afresh), then parse + expand with the parser's memo on (as in production). A last pass measures peak
memory with tracemalloc (tracing slows Python down, so its time is not reported) and keeps every rule and
its due items, as an importer would.

Baseline: the same phrases normalised (NFC, lower case, whitespace collapsed) and tried in turn against seven
compiled regexes (month/year, year, quarter, range, "hằng năm", "thường xuyên", "tháng N của năm trước"),
returning the first match — the least a parser of these cells does. Parse, and parse + expand, are printed
as multiples of it.

Run: ``.venv/bin/python bench/bench_deadlines.py [--phrases N] [--json]`` (a bare ``N`` works too);
``--json`` prints one JSON document (``figures``, ``time_ratios``, ``throughput_ratios``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import tracemalloc
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.domain.deadlines import WorkingCalendar, expand, parse_deadline

SEED = 20250124
ISSUED = date(2025, 1, 24)
HORIZON = date(2030, 12, 31)
ROMAN = ["I", "II", "III", "IV"]

PLAN_25 = (
    ["Năm 2025"] * 17
    + ["Thường xuyên"] * 10
    + ["Tháng 7/2025"] * 6
    + ["Tháng 01/2026"] * 5
    + ["Hằng năm", "Tháng 10/2025", "Năm 2026"] * 3
    + ["Tháng 02/2026", "Tháng 01/2029", "Tháng 07/2025", "Năm 2025 và những năm tiếp theo"] * 2
    + [
        "Tháng 8/2025",
        "Nhiệm vụ thường xuyên",
        "Tháng 12/2025",
        "Năm 2030",
        "2025 - 2026",
        "Tháng 11 của năm trước",
        "Năm 2025- 2026",
        "Năm 2025 và giai đoạn 2026 - 2030",
        "Tháng 01/2027",
        "Tháng 4/2025",
        "Tháng 4/2026",
        "Từ năm 2025 và các năm tiếp theo",
        "Tháng 10/2027",
    ]
)


def plan_like(rng: random.Random) -> str:
    y = rng.randint(2024, 2030)
    y2 = y + rng.randint(1, 5)
    m = rng.randint(1, 12)
    q = rng.randint(1, 4)
    d = rng.randint(1, 28)
    return rng.choice(
        [
            f"Tháng {m}/{y}",
            f"Tháng {m:02d}/{y}",
            f"tháng {m} năm {y}",
            f"Năm {y}",
            f"Trong năm {y}",
            f"Hoàn thành trong năm {y}.",
            f"Trước năm {y}",
            f"Quý {ROMAN[q - 1]}/{y}",
            f"Quý {q} năm {y}",
            f"6 tháng đầu năm {y}",
            f"6 tháng cuối năm {y}",
            f"{d:02d}/{m:02d}/{y}",
            f"Trước ngày {d}/{m}/{y}",
            f"cuối năm {y}",
            f"{y} - {y2}",
            f"Giai đoạn {y} - {y2}",
            f"Quý {ROMAN[q - 1]}/{y} - Quý I/{y2}",
            "Hằng năm",
            "Hàng quý",
            "Định kỳ 6 tháng",
            f"Tháng {m} hằng năm",
            f"Trước ngày {d}/{m} hằng năm",
            f"Năm {y} và những năm tiếp theo",
            "Thường xuyên",
            "Triển khai thường xuyên",
            "Khi có yêu cầu",
            "Theo lộ trình của Bộ, ngành",
            f"Hoàn thành trong năm {y} và rà soát, cập nhật trong các năm tiếp theo (nếu có)",
            f"Xây dựng trong giai đoạn {y} - {y2} và vận hành thường xuyên, liên tục",
        ]
    )


def noise(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        return rng.choice(["Tháng 13/2025", "31/02/2027", "Quý V/2025", "Năm 1850", "Đầu năm 2026", "Sớm nhất có thể"])
    if kind < 0.6:  # a plan phrase with a typo or a stray character
        text = list(rng.choice(PLAN_25))
        text[rng.randrange(len(text))] = rng.choice("xq#?~")
        return "".join(text)
    if kind < 0.95:
        return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 60)))
    return "Kế hoạch " * rng.randint(100, 5000)  # a whole paragraph pasted into the cell


def make_phrases(n: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = rng.random()
        out.append(plan_like(rng) if r < 0.60 else rng.choice(PLAN_25) if r < 0.85 else noise(rng))
    return out


BASELINE = [
    re.compile(p)
    for p in (
        r"tháng\s*(\d{1,2})\s*(?:/|năm)\s*(\d{4})",  # month/year
        r"(?:năm\s*)?(\d{4})\s*-\s*(\d{4})",  # range
        r"quý\s*([ivx]+|\d)\s*(?:/|năm)\s*(\d{4})",  # quarter
        r"(?:trong\s+)?năm\s*(\d{4})",  # year
        r"h[ằà]ng\s+năm",  # every year
        r"thường\s+xuyên",  # ongoing
        r"tháng\s*(\d{1,2})\s+của\s+năm\s+trước",  # month N of the year before
    )
]
SPACES = re.compile(r"\s+")


def baseline(text: str) -> re.Match[str] | None:
    """Normalise as the parser does, then the first of seven regexes that matches."""
    cleaned = SPACES.sub(" ", unicodedata.normalize("NFC", text).lower()).strip()
    for pattern in BASELINE:
        found = pattern.search(cleaned)
        if found is not None:
            return found
    return None


def run(
    phrases: list[str], calendar: WorkingCalendar, *, cache: bool, keep: list[object] | None = None
) -> tuple[Counter[str], int]:
    kinds: Counter[str] = Counter()
    dues = 0
    for text in phrases:
        rule = parse_deadline(text, cache=cache)
        kinds[rule.kind.value] += 1
        items = expand(rule, start=ISSUED, horizon=HORIZON, calendar=calendar)
        dues += len(items)
        if keep is not None:
            keep.append((rule, items))
    return kinds, dues


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phrases", type=int, default=100_000, help="how many phrases (default 100,000)")
    parser.add_argument("--json", action="store_true", help="one JSON document instead of the table")
    args = parser.parse_args()
    n = args.n or args.phrases
    if n < 1:
        parser.error("--phrases must be at least 1")
    phrases = make_phrases(n)
    calendar = WorkingCalendar()
    calendar.effective(ISSUED)  # load the holiday library once, as a running service would have

    started = time.perf_counter()
    matched = sum(baseline(text) is not None for text in phrases)
    baseline_s = time.perf_counter() - started

    started = time.perf_counter()
    parsed = [parse_deadline(text, cache=False) for text in phrases]
    parse_s = time.perf_counter() - started

    started = time.perf_counter()
    kinds, dues = run(phrases, calendar, cache=False)
    total_s = time.perf_counter() - started

    started = time.perf_counter()
    run(phrases, calendar, cache=True)
    cached_s = time.perf_counter() - started

    # Memory: every rule and its due items kept (what an importer holds), with a fresh calendar.
    kept: list[object] = []
    tracemalloc.start()
    run(phrases, WorkingCalendar(), cache=False, keep=kept)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    del parsed
    distinct = len(set(phrases))
    timed = {"parse": parse_s, "parse_expand": total_s, "parse_expand_memoised": cached_s}
    if args.json:
        figures = {
            "phrases": n,
            "distinct_phrases": distinct,
            "seed": SEED,
            "due_items": dues,
            "kinds": dict(sorted(kinds.items())),
            "baseline_s": round(baseline_s, 4),
            "baseline_matched": matched,
            **{f"{name}_s": round(seconds, 4) for name, seconds in timed.items()},
            "peak_memory_mib": round(peak / 1_048_576, 1),
        }
        document = {
            "figures": figures,
            "time_ratios": {name: round(seconds / baseline_s, 2) for name, seconds in timed.items()},
            "throughput_ratios": {name: round(baseline_s / seconds, 3) for name, seconds in timed.items()},
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return
    print(f"phrases:             {n:,} (seed {SEED}); due items expanded: {dues:,}")
    print(f"kinds:               {dict(sorted(kinds.items()))}")
    print(
        f"baseline:            {baseline_s:.2f} s  ({n / baseline_s:,.0f} phrases/s), NFC + lower + spaces, "
        f"seven regexes ({matched:,} matched)"
    )
    notes = {"parse": "parse only", "parse_expand": "parse + expand", "parse_expand_memoised": "parse + expand"}
    for name, seconds in timed.items():
        memo = f"memoised parse ({distinct:,} distinct phrases)" if "memo" in name else "no memoisation"
        print(
            f"{notes[name] + ':':<21}{seconds:.2f} s  ({n / seconds:,.0f} phrases/s), {memo}; "
            f"{seconds / baseline_s:.1f}× the baseline"
        )
    print(f"peak memory (tracemalloc, all {len(kept):,} rules and due items kept): {peak / 1_048_576:.1f} MiB")


if __name__ == "__main__":
    main()
