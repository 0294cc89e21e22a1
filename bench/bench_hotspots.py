"""Benchmark 热点诉求 grouping (classifiers/hotspots.py) at a province's week of tickets.

    python bench/bench_hotspots.py [--n 10000 30000] [--source FILE.csv ...]

Background texts are synthesised as in bench_duplicates.py (clauses of two shipped-corpus texts, with
places, dates, amounts and phone numbers changed), or taken from ``--source`` CSV files (a ``text``,
``body`` or ``subject`` column, or ``subject`` + ``body``), read where they are and never copied.
Into each background, ``--planted`` hotspots are mixed: each is one matter told by ``--callers`` callers.
The matter is a shipped-corpus text of four clauses or more with a pharmacy's or hospital's name and a
district put in front; each caller tells it with an opening of their own, keeps about three clauses in
four of it, in order, and has places, dates and numbers varied. Real callers reword more than this, so
the figure for planted hotspots found is an upper bound; the demo's six wordings of one matter
(services/demo.py) are a harder case, and the page finds them.

Prints, per size: the seconds to group (one process, one core), the groups found, how many planted
hotspots were found (at least 80 % of their callers in one group made of nothing else), and one JSON
line at the end.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_duplicates import read_texts, synthesise, vary  # noqa: E402
from classifiers.corpus import load_shipped_corpus  # noqa: E402
from classifiers.hotspots import find_groups  # noqa: E402

PLACES = ["康佳大药房", "同仁堂药店", "益丰大药房", "老百姓大药房", "市第一人民医院", "县中医院", "妇幼保健院",
          "骨科医院", "社区卫生服务中心", "镇卫生院", "医保服务大厅", "税务局办税厅"]
DISTRICTS = ["新城区", "回民区", "玉泉区", "商州区", "洛南县", "丹凤县", "山阳县", "镇安县", "城关镇", "开发区"]
OPENINGS = ["来电人反映：", "市民来电称，", "家属来电说", "12345转办：市民反映", "来电人咨询，", "群众来电投诉：", "", "您好，"]
CLAUSE_SPLIT = re.compile(r"(?<=[，。；！？,;!?])")


def planted(sources: list[str], hotspots: int, callers: int, rng: random.Random) -> list[list[str]]:
    matters = [clauses for clauses in ([c for c in CLAUSE_SPLIT.split(t) if c] for t in sources) if len(clauses) >= 4]
    groups = []
    for h in range(hotspots):
        clauses = rng.choice(matters)
        where = f"{DISTRICTS[h % len(DISTRICTS)]}{PLACES[h % len(PLACES)]}"
        told = []
        for _ in range(callers):
            kept = [c for c in clauses if rng.random() < 0.75] or clauses[:1]
            told.append(vary(f"{rng.choice(OPENINGS)}在{where}，" + "".join(kept), rng))
        groups.append(told)
    return groups


def run(background: list[str], plants: list[list[str]], rng: random.Random, min_similarity: float) -> dict:
    texts = list(background)
    owner = [-1] * len(texts)
    for g, group in enumerate(plants):
        texts += group
        owner += [g] * len(group)
    order = list(range(len(texts)))
    rng.shuffle(order)
    texts, owner = [texts[i] for i in order], [owner[i] for i in order]
    started = time.perf_counter()
    groups = find_groups(texts, min_similarity=min_similarity)
    seconds = time.perf_counter() - started
    found = 0
    for g, group in enumerate(plants):
        for found_group in groups:
            members = [owner[i] for i in found_group.members]
            if members.count(g) >= 0.8 * len(group) and set(members) == {g}:
                found += 1
                break
    return {"n": len(texts), "seconds": round(seconds, 2), "groups": len(groups),
            "planted": len(plants), "planted_found": found,
            "largest": [len(g) for g in groups[:5]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="*", default=[10_000, 30_000])
    parser.add_argument("--source", nargs="*", default=[])
    parser.add_argument("--planted", type=int, default=10)
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--similarity", type=float, default=0.35)
    parser.add_argument("--seed", type=int, default=12393)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sources = [ex.text for ex in load_shipped_corpus()]
    rng.shuffle(sources)  # the planted matters come from one tenth, the synthetic background from the rest,
    matters, sources = sources[:len(sources) // 10], sources[len(sources) // 10:]  # so they share no clause
    results = []
    if args.source:
        background = read_texts(args.source)
        print(f"{len(background)} texts from {', '.join(args.source)}")
        result = run(background, planted(matters, args.planted, args.callers, rng), rng, args.similarity)
        print(f"real texts: {result}")
        results.append(dict(result, background="source"))
    for n in args.n:
        result = run(synthesise(sources, n, rng), planted(matters, args.planted, args.callers, rng), rng,
                     args.similarity)
        print(f"synthetic {n}: {result}")
        results.append(dict(result, background="synthetic"))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
