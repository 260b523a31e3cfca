"""Benchmark: learning reports on a county of 30,000 members in 900 branches with 100 items.

    .venv/bin/python bench/reports.py [--members 30000] [--branches 900] [--items 100]
        [--database-url postgres://postgres@127.0.0.1:5432/dianke_members_bench] [--rebuild]

Builds the data once in its own PostgreSQL database (kept for the next run; --rebuild starts
over): a county committee, 30 town committees, the branches below them, members spread over the
branches, 100 learning items, a monthly plan per branch (4 required items + 1 optional), about
60% of the required items completed and ~10 older completions per member.

Prints the median time of the county and branch reports (goal: county ≤ 1 s, branch ≤ 50 ms) and
the peak Python memory of CSV/XLSX exports of the member × item matrix as rows grow (goal: flat).
Run on an otherwise idle machine; the load average is printed.
"""

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from functools import reduce
from operator import or_
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dianke_members_bench"


def ensure_database(url, rebuild):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def build(args, month):
    from django.contrib.auth import get_user_model
    from wagtail.models import Page

    from members.models import Completion, Member, Organisation, StudyPlan, StudyPlanItem

    if Member.objects.exists():
        return
    rng = random.Random(7)
    t0 = time.perf_counter()
    county = Organisation.add_root(name="基准县委", kind="committee")
    towns = []
    n_towns = 30
    for t in range(n_towns):
        county = Organisation.objects.get(pk=county.pk)
        towns.append(county.add_child(name=f"第{t + 1:02d}镇党委", kind="committee"))
    branches = []
    per_town = args.branches // n_towns
    for town in towns:
        for b in range(per_town):
            town = Organisation.objects.get(pk=town.pk)
            branches.append(town.add_child(name=f"{town.name}第{b + 1:02d}支部", kind="branch"))
    root_page = Page.objects.get(depth=1)
    items = []
    for i in range(args.items):
        root_page = Page.objects.get(pk=root_page.pk)
        items.append(root_page.add_child(instance=Page(title=f"基准课程{i + 1:03d}", slug=f"bench-item-{i + 1}")))
    print(f"  tree and items: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    User = get_user_model()
    users = [User(username=f"bench-{n:06d}", password="!") for n in range(args.members)]
    User.objects.bulk_create(users, batch_size=5000)
    users = list(User.objects.filter(username__startswith="bench-").order_by("username"))
    members = [
        Member(user=u, name=f"党员{n}", number=f"B{n:06d}", phone=f"13{n:09d}",
               branch=branches[n % len(branches)], is_migrant=n % 37 == 0)
        for n, u in enumerate(users)
    ]
    Member.objects.bulk_create(members, batch_size=5000)
    members = list(Member.objects.order_by("number").values_list("pk", "branch_id"))
    print(f"  members: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    plan_items, required_of = [], {}
    for branch in branches:
        plan = StudyPlan.objects.create(organisation=branch, month=month, title="基准计划")
        chosen = rng.sample(items, 5)
        required_of[branch.pk] = [p.pk for p in chosen[:4]]
        for order, page in enumerate(chosen):
            plan_items.append(StudyPlanItem(plan=plan, page=page, required=order < 4, sort_order=order))
    StudyPlanItem.objects.bulk_create(plan_items, batch_size=5000)
    now = dt.datetime.now(dt.UTC)
    batch = []
    for member_id, branch_id in members:
        done = {p for p in required_of[branch_id] if rng.random() < 0.6}
        done |= {p.pk for p in rng.sample(items, 10)}
        for page_id in done:
            batch.append(Completion(member_id=member_id, page_id=page_id, how="watched",
                                    completed_at=now - dt.timedelta(days=rng.randint(0, 300))))
        if len(batch) >= 20000:
            Completion.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Completion.objects.bulk_create(batch, ignore_conflicts=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  built in {time.perf_counter() - t0:.1f} s: {Completion.objects.count()} completions",
          file=sys.stderr)


def timed(fn, repeat=5):
    fn()  # warm
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def export_once(members, item_ids, rules, fmt, *, trace):
    from members import export, reports

    table = reports.Table(title="m", headings=["编号", "姓名", "支部", *map(str, item_ids), "完成"],
                          rows=reports._matrix_rows(members, item_ids, rules))
    if trace:
        tracemalloc.start()
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        if fmt == "csv":
            stream = io.TextIOWrapper(out, encoding="utf-8", newline="")
            export.write_csv(table, stream)
            stream.flush()
        else:
            export.write_xlsx(table, out)
        size = out.seek(0, 2)
    elapsed = time.perf_counter() - t
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, size, peak


def consume(table):
    for _row in table.rows:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=30000)
    parser.add_argument("--branches", type=int, default=900)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    ensure_database(args.database_url, args.rebuild)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dianke.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from members import reports
    from members.models import Member, Organisation
    from members.plans import month_start

    month = month_start()
    build(args, month)
    print(f"load average before: {os.getloadavg()}")
    county = Organisation.get_root_nodes().get(name="基准县委")
    branch = Organisation.objects.filter(kind="branch").order_by("path")[len(Organisation.objects.filter(kind="branch")) // 2]
    town = county.get_children().first()
    print(f"data: {Member.objects.count()} members, {Organisation.objects.filter(kind='branch').count()} branches")
    results = [
        ("county completion rates, 1 month", lambda: reports.month_rates(county, month), 1.0),
        ("county completion rates, 6 months", lambda: reports.month_rates(county, month, months=6), None),
        ("county not-studied list", lambda: consume(reports.not_studied(county, month)), 1.0),
        ("county not-studied count (the overview's headline)", lambda: reports.not_studied_count(county, month), None),
        ("town (30 branches) completion rates", lambda: reports.month_rates(town, month), None),
        ("branch completion rates, 1 month", lambda: reports.month_rates(branch, month), 0.05),
        ("branch not-studied list", lambda: consume(reports.not_studied(branch, month)), 0.05),
    ]
    for name, fn, goal in results:
        seconds = timed(fn, repeat=3 if "county" in name else 7)
        verdict = "" if goal is None else ("  OK" if seconds <= goal else "  OVER GOAL")
        goal_text = f" (goal ≤ {goal * 1000:.0f} ms)" if goal else ""
        print(f"{name:40s} {seconds * 1000:8.1f} ms{goal_text}{verdict}")

    from wagtail.models import Page

    item_ids = list(Page.objects.filter(slug__startswith="bench-item-").order_by("pk").values_list("pk", flat=True)[:10])
    # Bench items are plain pages (no C3 rule): give the matrix rules for them.
    from members import services

    rules = {pk: services.ItemRule(pk, "video", 600.0, 0.9, 0, f"课程{pk}") for pk in item_ids}
    print("export of the member × 10 items matrix (time; peak Python memory under tracemalloc):")
    towns = list(county.get_children().order_by("path"))
    from django.db.models import Q

    for n_towns in (1, 10, 30):
        paths = [t.path for t in towns[:n_towns]]
        members = Member.objects.filter(reduce(or_, (Q(branch__path__startswith=p) for p in paths)))
        count = members.count()
        for fmt in ("csv", "xlsx"):
            elapsed, size, _peak = export_once(members, item_ids, rules, fmt, trace=False)
            _elapsed, _size, peak = export_once(members, item_ids, rules, fmt, trace=True)
            print(f"  {fmt:4s} {count:6d} rows: {elapsed:5.2f} s, file {size / 1e6:5.1f} MB, "
                  f"peak Python memory {peak / 1e6:6.1f} MB")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
