"""Benchmark the duplicate-candidate index at a province's month of tickets.

    python bench/bench_duplicates.py [--n 100000] [--source FILE.csv ...]

Texts are synthesised from real or shipped texts: by default the shipped
corpus (classifiers/data/corpus/*.csv); ``--source`` takes any CSV files with
a ``text`` column (or ``subject`` and ``body``, joined), e.g. files under
/work/shared/data, read where they are and never copied.  Each synthetic
ticket recombines clauses of two source texts and changes places, dates,
amounts and phone numbers, so near-duplicates are rare unless planted.

Prints build time (one bulk load, then 1,000 incremental adds), per-query
latency (median, p95, max over --queries queries on the full index) and the
recall of planted duplicates, and one JSON line at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifiers.corpus import load_shipped_corpus  # noqa: E402
from classifiers.similarity import SimilarityIndex  # noqa: E402

PLACES = ["赛罕区", "新城区", "回民区", "玉泉区", "土默特左旗", "托克托县", "和林格尔县", "武川县",
          "商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县", "城关镇", "开发区"]
CLAUSE_SPLIT = re.compile(r"(?<=[，。；！？,;!?])")


def read_texts(paths: list[str]) -> list[str]:
    texts = []
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                text = row.get("text") or "\n".join(filter(None, (row.get("subject"), row.get("body"))))
                if text.strip():
                    texts.append(text.strip())
    return texts


def vary(text: str, rng: random.Random) -> str:
    text = re.sub(r"\d{11}", lambda m: "1" + "".join(rng.choice("3456789") for _ in range(10)), text)
    text = re.sub(r"\d+元", lambda m: f"{rng.randint(20, 90000)}元", text)
    for place in PLACES:
        if place in text:
            text = text.replace(place, rng.choice(PLACES))
    return text


def synthesise(sources: list[str], n: int, rng: random.Random) -> list[str]:
    clauses = [[c for c in CLAUSE_SPLIT.split(t) if c] for t in sources]
    out = []
    for i in range(n):
        a, b = rng.choice(clauses), rng.choice(clauses)
        cut_a = rng.randint(1, max(1, len(a)))
        cut_b = rng.randint(0, max(0, len(b) - 1))
        text = "".join(a[:cut_a] + b[cut_b:])
        text = f"{rng.choice(PLACES)}{rng.randint(1, 12)}月{rng.randint(1, 28)}日来电，{vary(text, rng)}"
        out.append(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--source", nargs="*", default=[])
    parser.add_argument("--seed", type=int, default=12393)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    sources = read_texts(args.source) if args.source else [ex.text for ex in load_shipped_corpus()]
    if not sources:
        sys.exit("no source texts: ship the corpus or pass --source FILE.csv")
    texts = synthesise(sources, args.n, rng)
    chars = sum(map(len, texts))
    print(f"{len(texts)} synthetic texts, mean {chars / len(texts):.0f} characters, from {len(sources)} sources")

    index = SimilarityIndex()
    started = time.perf_counter()
    index.add_many(enumerate(texts))
    index.compact()
    build = time.perf_counter() - started
    print(f"bulk build: {build:.2f} s ({len(texts) / build:,.0f} texts/s)")

    extra = synthesise(sources, 1000, rng)
    started = time.perf_counter()
    for i, text in enumerate(extra):
        index.add(("new", i), text)
    incremental = (time.perf_counter() - started) / len(extra)
    print(f"incremental add: {incremental * 1000:.2f} ms per text (buffer merges included)")

    # planted duplicates: a re-worded copy of an indexed text must come back first
    latencies, found = [], 0
    for _ in range(args.queries):
        target = rng.randrange(len(texts))
        query = vary(texts[target], rng).replace("来电，", "来电反映，", 1)
        started = time.perf_counter()
        hits = index.query(query, k=5, min_similarity=0.6)
        latencies.append(time.perf_counter() - started)
        found += bool(hits) and hits[0][0] == target
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000
    print(f"query over {len(index)} texts: median {p50:.1f} ms, p95 {p95:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print(f"planted duplicates ranked first: {found}/{args.queries}")
    print(json.dumps({"n": len(index), "build_seconds": round(build, 2),
                      "add_ms": round(incremental * 1000, 3), "query_ms_p50": round(p50, 2),
                      "query_ms_p95": round(p95, 2), "duplicate_recall_at_1": round(found / args.queries, 4)}))


if __name__ == "__main__":
    main()
