"""Benchmark: quizzes on a county of 900 branches and 30,000 members (PostgreSQL).

    .venv/bin/python bench/quizzes.py [--branches 900] [--members 30000] [--takers 2000]
        [--spread 600] [--workers 3] [--database-url postgres://postgres@127.0.0.1:5432/dianke_quizzes]

Builds its own database afresh: a county committee, 30 town committees, the branches below them,
members spread over the branches, the four shipped regulation texts and the demo bank (64
questions). Then:

1. counts the SQL statements of GET /api/v1/quizzes/daily (a new attempt, then the same one
   again) and of POST /api/v1/quiz-attempts/{id}/answers for several members, in process: they
   must not grow with the member or the bank's history;
2. starts gunicorn (the site's WSGI application, --workers sync workers as the Dockerfile) and
   lets --takers members each open today's quiz and submit it, each at a random moment within
   --spread seconds (open loop: nobody waits for anybody) — goal p95 ≤ 100 ms per request;
3. a contest of the county taken by two members in three (random scores), and its league table
   over every branch (quizzes.reports.league_table) — goal ≤ 1 s (median of 5).

Prints the numbers and the load average; run on an otherwise idle machine.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

from _county import build_county, latency_summary, member_sessions, open_database
from _server import gunicorn  # bench/ is this script's folder on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dianke_quizzes"


def build(args):
    """_county's county, members round robin over its branches, the shipped texts and the demo
    bank's questions."""
    from quizzes import demo_bank
    from quizzes.bank import import_rows
    from search.demo import shipped_texts
    from search.importer import import_file

    t0 = time.perf_counter()
    county, _branches = build_county(args.branches, args.members, prefix="qz")
    for path in shipped_texts():
        import_file(path, skip_existing=True)
    problems, created = import_rows(demo_bank.rows())
    assert not problems, problems
    print(f"{created} questions: the county built in {time.perf_counter() - t0:.1f} s")
    return county


def count_queries(members):
    """[(GET new, GET again, POST)] statement counts, in process through the whole stack."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = []
    for member in members:
        client = Client()
        client.force_login(member.user)
        with CaptureQueriesContext(connection) as first:
            attempt = client.get("/api/v1/quizzes/daily").json()
        with CaptureQueriesContext(connection) as again:
            client.get("/api/v1/quizzes/daily")
        body = json.dumps({"answers": {str(q["id"]): "A" for q in attempt["questions"]}})
        with CaptureQueriesContext(connection) as post:
            response = client.post(f"/api/v1/quiz-attempts/{attempt['attempt']}/answers", body,
                                   content_type="application/json")
        assert response.status_code == 200, response.content
        counts.append((len(first), len(again), len(post)))
    return counts


def request(port, method, path, credentials, body=None):
    session_key, csrf = credentials
    headers = {"Cookie": f"sessionid={session_key}; csrftoken={csrf}", "X-CSRFToken": csrf}
    if body is not None:
        headers["Content-Type"] = "application/json"
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return time.perf_counter() - t0, response.status, data


def take_daily(port, credentials, rng):
    """Open today's quiz, think a little, submit: two timed requests."""
    elapsed, status, data = request(port, "GET", "/api/v1/quizzes/daily", credentials)
    results = [("get", elapsed, status)]
    if status != 200:
        return results
    quiz = json.loads(data)
    answers = {str(q["id"]): (rng.choice(["A", "B"]) if q["options"] and q["kind"] != "true_false"
                              else (True if q["kind"] == "true_false" else "答案")) for q in quiz["questions"]}
    time.sleep(rng.uniform(0.5, 2.0))
    elapsed, status, _data = request(port, "POST", f"/api/v1/quiz-attempts/{quiz['attempt']}/answers",
                                     credentials, json.dumps({"answers": answers}))
    results.append(("post", elapsed, status))
    return results


def arrivals(port, credentials, spread):
    rng = random.Random(19)
    start = time.perf_counter() + 0.5
    results = []
    lock = threading.Lock()

    def member(creds, at, seed):
        time.sleep(max(0.0, start + at - time.perf_counter()))
        done = take_daily(port, creds, random.Random(seed))
        with lock:
            results.extend(done)

    threads = [threading.Thread(target=member, args=(c, rng.uniform(0, spread), n))
               for n, c in enumerate(credentials)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def contest_and_league(root, runs=5):
    from django.db import connection
    from django.utils import timezone

    from members.models import Member, Organisation
    from quizzes import reports, services
    from quizzes.models import Attempt

    now = timezone.now()
    contest = services.open_contest(organisation=root, title="基准竞赛", starts_at=now - dt.timedelta(hours=1),
                                    ends_at=now + dt.timedelta(days=1), question_count=10,
                                    time_limit_minutes=15)
    rng = random.Random(3)
    ids = list(Member.objects.values_list("pk", flat=True))
    taking = [pk for pk in ids if rng.random() < 2 / 3]
    Attempt.objects.bulk_create([
        Attempt(member_id=pk, kind="contest", contest=contest, layout=[], started_at=now, deadline=now,
                submitted_at=now, score=rng.randint(0, 10), total=10)
        for pk in taking], batch_size=5000)
    connection.cursor().execute("ANALYZE")
    visible = Organisation.objects.all()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        table = reports.league_table(contest, visible)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), len(table.rows), len(taking)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--branches", type=int, default=900)
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--takers", type=int, default=2000)
    parser.add_argument("--spread", type=float, default=600, help="seconds the members spread over")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_QZ_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    open_database(args.database_url)
    from django.db import connection

    from members.models import Member

    root = build(args)
    people = list(Member.objects.select_related("user").order_by("pk"))
    counts = count_queries([people[i] for i in (-1, -2, -3, -len(people) // 2)])
    print("1. SQL statements per request (GET new attempt, GET the same again, POST answers), "
          f"for four members: {counts}; constant: {'yes' if len(set(counts)) == 1 else 'NO'}")
    median, best, rows, taking = contest_and_league(root)
    print(f"3. contest league table ({rows} branches, {taking} of {args.members} members took part): "
          f"median {median * 1000:.0f} ms, best {best * 1000:.0f} ms (goal ≤ 1000 ms)")
    credentials = member_sessions(people[: args.takers])
    connection.close()
    with gunicorn(args.database_url, args.port, args.workers):
        print(f"load average before: {os.getloadavg()}")
        results = arrivals(args.port, credentials, args.spread)
        print(f"load average after: {os.getloadavg()}")
    print(f"2. daily quiz through gunicorn ({args.workers} sync workers) + PostgreSQL, "
          f"{args.takers} members within {args.spread:.0f} s:")
    timings = {kind: [(t, status) for k, t, status in results if k == kind] for kind in ("get", "post")}
    p95 = latency_summary("GET /api/v1/quizzes/daily", "requests", timings["get"])
    latency_summary("POST /api/v1/quiz-attempts/{id}/answers", "requests", timings["post"])
    p95_all = latency_summary("both", "requests", [(t, status) for _k, t, status in results])
    print(f"   goal p95 ≤ 100 ms per request: {'met' if max(p95, p95_all) <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
