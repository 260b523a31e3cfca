"""Regulation search: relevance (MRR@10, recall@5) and latency (p50/p95) per backend.

    .venv/bin/python bench/search_relevance.py [--set bench/search_relevance.json] [--repeat 5]

Uses the database in DATABASE_URL (default: a SQLite file var/bench-search.sqlite3, migrated and
filled with the shipped regulation texts on first run). Elasticsearch is measured too when
ELASTICSEARCH_URL is set (its index is rebuilt first). Latency is search_regulations() end to end
in this process (query understanding, ranking, hits with snippets), after one warm-up query.
Goals: MRR@10 >= 0.95 and p95 <= 20 ms on the embedded backend for the Constitution.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dianke.settings.dev")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-search.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import OutputWrapper  # noqa: E402

from search.demo import load_demo  # noqa: E402
from search.services import search_regulations  # noqa: E402


def key(hit):
    return f"{hit['short_name']} {hit['article'] if hit['article'] is not None else '总纲'}"


def measure(queries, backend, repeat, family=None):
    reciprocal, recalled, latencies, misses = [], [], [], []
    search_regulations("党员", backend=backend)  # warm-up: jieba's dictionary, zhconv's table
    for entry in queries:
        expected = {e for e in entry["expect"] if not family or e.startswith("党章")}
        for _ in range(repeat):
            started = time.perf_counter()
            result = search_regulations(entry["q"], limit=10, backend=backend, family=family)
            latencies.append((time.perf_counter() - started) * 1000)
        if result["backend"] != backend:
            raise SystemExit(f"{backend} fell back to {result['backend']}: is it running?")
        ranked = [key(hit) for hit in result["hits"]]
        rank = next((i for i, k in enumerate(ranked, start=1) if k in expected), None)
        reciprocal.append(1 / rank if rank else 0.0)
        recalled.append(len(expected & set(ranked[:5])) / min(len(expected), 5))
        if rank != 1:
            misses.append(f"  {entry['q']}: expected {sorted(expected)[:3]}, got {ranked[:3]}")
    latencies.sort()
    return {
        "mrr@10": statistics.fmean(reciprocal), "recall@5": statistics.fmean(recalled),
        "p50_ms": latencies[len(latencies) // 2], "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "queries": len(queries), "misses": misses,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=str(ROOT / "bench" / "search_relevance.json"))
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    args = parser.parse_args()
    queries = json.loads(Path(args.set).read_text(encoding="utf-8"))["queries"]

    call_command("migrate", verbosity=0)
    load_demo(stdout=OutputWrapper(sys.stderr))
    backends = ["embedded"] + (["elasticsearch"] if settings.ELASTICSEARCH_URL else [])
    if settings.ELASTICSEARCH_URL:
        call_command("rebuild_regulation_index", backend="elasticsearch")
    # The Constitution goal: the queries it answers, searched within the Constitution only.
    constitution = [q for q in queries if any(e.startswith("党章") for e in q["expect"])]
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
          f"{len(queries)} queries ({len(constitution)} on the Constitution), {args.repeat} timed runs each")
    for backend in backends:
        for label, subset, family in (("all", queries, None), ("constitution", constitution, "cpc-constitution")):
            numbers = measure(subset, backend, args.repeat, family)
            print(f"{backend:<13} {label:<12} MRR@10 {numbers['mrr@10']:.3f}  recall@5 {numbers['recall@5']:.3f}  "
                  f"p50 {numbers['p50_ms']:.1f} ms  p95 {numbers['p95_ms']:.1f} ms  ({numbers['queries']} queries)")
            print("\n".join(numbers["misses"]) or "  (every query's first hit is expected)")


if __name__ == "__main__":
    main()
