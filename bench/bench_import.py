"""Reading a big plan: a 500-task .docx (sections over the row, a deadline merged over runs of tasks) and
the same plan as a 500-task text .pdf (ruled table over many pages, header repeated on each), written
with python-docx / fpdf2, then read with ``read_plan_file``. Prints seconds and peak memory (tracemalloc,
Python allocations, measured in a second read) per format, and checks every task was read with every row accounted for.

    .venv/bin/python bench/bench_import.py [--tasks 500] [--formats docx,pdf,xlsx,html]
"""

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from plan_docs import WRITERS, C, Spec, SpecTable, cells  # noqa: E402

from models.domain.plan_reader import read_plan_file  # noqa: E402

LEADS = ("Sở Khoa học và Công nghệ", "Sở Tài chính", "Sở Nội vụ", "Công an tỉnh", "Văn phòng UBND tỉnh")
DEADLINES = ("Quý I/2026", "Tháng 6/2026", "Năm 2026", "Thường xuyên")


def big_plan(n: int) -> Spec:
    header = ("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả", "Thời gian hoàn thành")
    rows: list[list[C]] = [cells(*header, bold=True)]
    romans = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
    per_section = max(n // len(romans), 1)
    for k in range(1, n + 1):
        if (k - 1) % per_section == 0 and (k - 1) // per_section < len(romans):
            roman = romans[(k - 1) // per_section]
            rows.append([C(f"{roman}. NHÓM NHIỆM VỤ {roman}", colspan=len(header), bold=True)])
        title = f"Nhiệm vụ {k}: xây dựng, triển khai nội dung chuyển đổi số, đổi mới sáng tạo tại cơ quan, đơn vị"
        row = cells(str(k), title, LEADS[k % 5], "Các sở, ban, ngành; UBND các xã, phường", "Báo cáo kết quả")
        if k % 4 == 1 and k + 1 <= n and (k % per_section) != 0:  # a deadline merged over two tasks
            row.append(C(DEADLINES[k % 4], rowspan=2))
        elif k % 4 != 2 or (k - 1) % per_section == 0:
            row.append(C(DEADLINES[k % 4]))
        rows.append(row)
    heading = ["ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM", "Số: 500/KH-UBND", "Hà Nội, ngày 5 tháng 1 năm 2026", "KẾ HOẠCH"]
    return Spec(heading, [SpecTable(rows, ["PHỤ LỤC", "DANH MỤC NHIỆM VỤ"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--formats", default="docx,pdf")
    args = parser.parse_args()
    spec = big_plan(args.tasks)
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.formats.split(","):
            path = Path(folder) / f"plan.{kind}"
            started = time.perf_counter()
            WRITERS[kind](spec, path)
            written = time.perf_counter() - started
            started = time.perf_counter()
            plan = read_plan_file(path)
            seconds = time.perf_counter() - started  # timed without tracemalloc, which slows allocations
            tracemalloc.start()
            read_plan_file(path)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rows = plan.rows
            assert rows is not None
            ok = len(plan.tasks) == args.tasks and rows.unaccounted == 0 and all(t.deadline_raw for t in plan.tasks)
            print(
                f"{kind}: {len(plan.tasks)} tasks from {path.stat().st_size / 1024:.0f} KiB in {seconds:.2f} s,"
                f" peak {peak / 2**20:.1f} MiB (written in {written:.1f} s); rows: {rows.tasks} tasks,"
                f" {rows.headings} headings, {rows.headers} headers, {len(rows.ignored)} ignored,"
                f" unaccounted {rows.unaccounted} — {'ok' if ok else 'MISMATCH'}"
            )
            if not ok:
                raise SystemExit(1)


if __name__ == "__main__":
    main()
