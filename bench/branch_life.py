"""Benchmark: branch life on a county of 900 branches and 30,000 members (PostgreSQL).

    .venv/bin/python bench/branch_life.py [--branches 900] [--members 30000] [--check-ins 200]
        [--spread 60] [--workers 3] [--database-url postgres://postgres@127.0.0.1:5432/dianke_branch_life]

Builds its own database afresh: a county committee with 30 town committees and the branches below
them, members spread over the branches, the county's rule (the 8th, next working day) and the
five required actions. Then:

1. plans a year (twelve months) of activity days for every branch (each creates the event, its
   five actions and an invitation per member) and times it, then a re-run of one month
   (idempotent: nothing written);
2. holds the months before the last one (attendance: 80 % checked in, 5 % excused, 4 % remote,
   the rest absent; three of the five actions ticked) and times the county's month report over
   every branch side by side (branch_life.reports.month_report: the figures, 三会一课 and the
   members over the absence limits) — goal ≤ 1 s (median of 5);
3. starts gunicorn (the site's WSGI application, --workers sync workers as the Dockerfile) and
   sends --check-ins members of one branch to POST /api/v1/events/{id}/check-in with the code,
   each at a random moment within --spread seconds (open loop: a member does not wait for
   another), then all of them within 5 s (a secretary saying "scan now") — goal p95 ≤ 100 ms
   for the minute.

Prints the numbers and the load average; run on an otherwise idle machine.
"""

import argparse
import datetime as dt
import http.client
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
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dianke_branch_life"


def build(args):
    """_county's county, with the rule of the 8th and the five required actions; its first
    branch holds the --check-ins members who check in."""
    from branch_life.models import ActionKind, ActivityRule, RequiredAction

    county, branches = build_county(
        args.branches, args.members, prefix="bl",
        branch_of=lambda n, all_branches: (all_branches[0] if n < args.check_ins
                                           else all_branches[1 + n % (len(all_branches) - 1)]))
    ActivityRule.objects.create(organisation=county, day_of_month=8)
    RequiredAction.objects.bulk_create([
        RequiredAction(organisation=county, kind=kind, title=title, sort_order=i)
        for i, (kind, title) in enumerate([
            (ActionKind.DUES, "现场缴纳党费"), (ActionKind.CONSTITUTION, "诵读党章"),
            (ActionKind.LESSON, "学习一堂党课"), (ActionKind.OATH, "重温入党誓词"),
            (ActionKind.SHARING, "党员谈体会")])])
    return county, branches[0]


def plan_a_year(year):
    from branch_life import services

    months = [dt.date(year, m, 1) for m in range(1, 13)]
    t0 = time.perf_counter()
    for month in months:
        services.plan_month(month)
    year_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = services.plan_month(months[5])
    rerun = time.perf_counter() - t0
    return months, year_seconds, rerun, len(again)


def hold(months):
    """The months before the last: held, with attendance and three actions ticked (plain SQL:
    the bench measures the report, not a year of roll calls)."""
    from django.db import connection

    from branch_life.models import AgendaItem, Attendance, Event

    held = list(Event.objects.filter(month__in=months).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {Attendance._meta.db_table} SET status = CASE
              WHEN r < 0.80 THEN 'checked_in' WHEN r < 0.85 THEN 'excused'
              WHEN r < 0.89 THEN 'remote_done' ELSE 'absent' END
            FROM (SELECT id AS aid, random() AS r FROM {Attendance._meta.db_table}
                  WHERE event_id = ANY(%s)) AS x WHERE id = x.aid""", [held])
    Event.objects.filter(pk__in=held).update(status=Event.Status.HELD)
    AgendaItem.objects.filter(event_id__in=held, sort_order__lt=3).update(done=True)
    connection.cursor().execute("ANALYZE")


def time_report(root, month, runs=5):
    from branch_life import reports

    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        table = reports.month_report(root, month, today=month + dt.timedelta(days=40))
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), len(table.rows), table


def sessions_for(branch):
    from members.models import Member

    return member_sessions(Member.objects.filter(branch=branch).select_related("user"))


def event_now(branch):
    from django.utils import timezone

    from branch_life import services
    from branch_life.models import Event

    starts = timezone.now() - dt.timedelta(minutes=5)
    event = Event.objects.create(organisation=branch, title="基准签到", starts_at=starts,
                                 ends_at=starts + dt.timedelta(hours=3),
                                 month=timezone.localdate().replace(day=1))
    services.invite(event)
    return event


def check_in(port, event, credentials, code_of):
    session_key, csrf = credentials
    body = f'{{"code": "{code_of()}"}}'
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", f"/api/v1/events/{event.pk}/check-in", body=body, headers={
        "Content-Type": "application/json", "X-CSRFToken": csrf,
        "Cookie": f"sessionid={session_key}; csrftoken={csrf}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return time.perf_counter() - t0, response.status


def arrivals(port, event, credentials, spread, code_of):
    """Each member at a random moment within `spread` seconds, on its own thread (open loop)."""
    rng = random.Random(8)
    start = time.perf_counter() + 0.5
    results = []
    lock = threading.Lock()

    def member(creds, at):
        time.sleep(max(0.0, start + at - time.perf_counter()))
        result = check_in(port, event, creds, code_of)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=member, args=(c, rng.uniform(0, spread))) for c in credentials]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--branches", type=int, default=900)
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--check-ins", type=int, default=200)
    parser.add_argument("--spread", type=float, default=60, help="seconds the arrivals spread over")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_BL_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    open_database(args.database_url)
    from django.db import connection
    from django.utils import timezone

    from branch_life import codes
    from branch_life.models import Attendance, Event

    root, big = build(args)
    year = timezone.localdate().year
    months, year_seconds, rerun, count = plan_a_year(year)
    print(f"1. planning a year for {count} branches: {year_seconds:.1f} s "
          f"({Event.objects.count()} events, {Attendance.objects.count()} invitations); "
          f"a re-run of one month: {rerun * 1000:.0f} ms, nothing written")
    hold(months[:-1])
    median, best, rows, _table = time_report(root, months[-2])
    print(f"2. county month report ({rows} branches side by side, {args.members} members): "
          f"median {median * 1000:.0f} ms, best {best * 1000:.0f} ms (goal ≤ 1000 ms)")
    event = event_now(big)
    credentials = sessions_for(big)[: args.check_ins]
    connection.close()
    with gunicorn(args.database_url, args.port, args.workers):
        print(f"load average before: {os.getloadavg()}")

        def code_of():
            return codes.current_code(event)[0]

        minute = arrivals(args.port, event, credentials, args.spread, code_of)
        Attendance.objects.filter(event=event).update(status="invited", checked_in_at=None)
        burst = arrivals(args.port, event, credentials, 5.0, code_of)
        print(f"load average after: {os.getloadavg()}")
    print(f"3. check-in through gunicorn ({args.workers} sync workers) + PostgreSQL:")
    p95 = latency_summary(f"{args.check_ins} members within {args.spread:.0f} s", "check-ins", minute)
    latency_summary(f"{args.check_ins} members within 5 s", "check-ins", burst)
    print(f"   goal p95 ≤ 100 ms within the minute: {'met' if p95 <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
