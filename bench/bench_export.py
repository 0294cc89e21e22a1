"""Benchmark the rows every Excel export writes (services/spreadsheet.append) against openpyxl's own append.

    python bench/bench_export.py [--rows 2000 10000] [--repeat 3]

spreadsheet.append cleans each value (characters XML forbids) and keeps text that starts with "=" as text, not
as a formula. Its first version read the row back after appending it, and openpyxl finds the last row by looking
at every cell written so far: a 10,000-ticket 工单查询 export took 53 s on a province's data (a helper's
measurement, 4 Dec 2026). Rows here have the 工单查询 export's 18 columns, with a title that reads as a formula.
Prints, per size, the best of --repeat runs for both, in rows per second, the ratio (1.0: the cleaning costs
nothing), the time to save the workbook, and one JSON line at the end.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ticketing.services import spreadsheet  # noqa: E402


def row(i: int) -> list:
    return [f"12393-20261204-{i:06d}", "2026-12-04 09:30", "12393 热线", "投诉", "待遇保障", "待遇保障科",
            "=HYPERLINK(\"http://example.invalid\",\"详情\")" if i % 50 == 0 else "住院费用报销比例低于政策规定",
            "来电人反映在市中心医院住院花费三万元，只报销了一万元，要求核实报销比例。" * 2,
            "王**", "139****5678", "新城区", "已签收", "2026-12-11 23:59", "否", "staff_dybz", "", i % 7, 0.5]


def timed(append, rows: int) -> tuple[float, float]:
    book = Workbook()
    sheet = book.active
    start = time.perf_counter()
    for i in range(rows):
        append(sheet, row(i))
    written = time.perf_counter() - start
    start = time.perf_counter()
    book.save(io.BytesIO())
    return written, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = []
    for rows in args.rows:
        ours = min(timed(spreadsheet.append, rows) for _ in range(args.repeat))
        plain = min(timed(lambda sheet, values: sheet.append(values), rows) for _ in range(args.repeat))
        result = {"rows": rows, "append_rows_per_second": round(rows / ours[0]),
                  "openpyxl_rows_per_second": round(rows / plain[0]), "ratio": round(plain[0] / ours[0], 2),
                  "save_seconds": round(ours[1], 2)}
        results.append(result)
        print(f"{rows:>6} rows: spreadsheet.append {result['append_rows_per_second']:>7} rows/s, openpyxl append "
              f"{result['openpyxl_rows_per_second']:>7} rows/s, ratio {result['ratio']}; save {result['save_seconds']} s")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
