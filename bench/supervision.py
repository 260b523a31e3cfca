"""Benchmark: supervision on a county of 900 branches and 30,000 members (PostgreSQL).

    .venv/bin/python bench/supervision.py [--branches 900] [--members 30000]
        [--database-url postgres://postgres@127.0.0.1:5432/dianke_supervision]

Builds its own database afresh with bench/branch_life.py's county (30 towns, the branches below
them, members spread over them, the county's rule and five required actions), plans and holds
the three months of a quarter (attendance 80 % checked in, 5 % excused, 4 % remote, the rest
absent; three of five actions ticked), a study plan a month with four required items and about
60 % of members completing them, the county's ranking rules, an inspection with findings in a
tenth of the branches. Then times (median of 5, best):

1. the county's month at a glance (supervision.glance.month_table over every branch) — goal ≤ 1 s;
2. the quarter's ranking (supervision.ranking.league_table) — goal ≤ 1 s;
3. the month's bulletin as a PDF (supervision.bulletin.pdf, WeasyPrint) — goal ≤ 10 s.

Prints the numbers and the load average; run on an otherwise idle machine.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

from _county import open_database  # bench/ is this script's folder on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dianke_supervision"


def study(county, months):
    from django.utils import timezone
    from wagtail.models import Page

    from members.models import Completion, Member, StudyPlan, StudyPlanItem

    rng = random.Random(11)
    root_page = Page.objects.get(depth=1)
    pages = []
    for i in range(4 * len(months)):
        root_page = Page.objects.get(pk=root_page.pk)
        pages.append(root_page.add_child(instance=Page(title=f"督查基准课程{i + 1}",
                                                       slug=f"sv-bench-{i + 1}")))
    members = list(Member.objects.values_list("pk", flat=True))
    batch = []
    for m, month in enumerate(months):
        plan = StudyPlan.objects.create(organisation=county, month=month, title="基准计划")
        month_pages = pages[4 * m: 4 * m + 4]
        StudyPlanItem.objects.bulk_create([
            StudyPlanItem(plan=plan, page=page, required=True, sort_order=i)
            for i, page in enumerate(month_pages)])
        when = timezone.make_aware(dt.datetime.combine(month + dt.timedelta(days=12), dt.time(20)))
        for member_id in members:
            for page in month_pages:
                if rng.random() < 0.6:
                    batch.append(Completion(member_id=member_id, page_id=page.pk, how="watched",
                                            completed_at=when))
    Completion.objects.bulk_create(batch, batch_size=10000)
    return len(batch)


def rules_and_inspections(county, today):
    from decimal import Decimal

    from members.models import Organisation
    from supervision.models import BranchRule, Inspection, Rectification

    K = BranchRule.Kind
    for kind, points, threshold in [(K.DAY_ON_TIME, 10, None), (K.DAY_LATE, 5, None),
                                    (K.DAY_MISSED, -10, None), (K.ATTENDANCE, 5, 80),
                                    (K.ACTIONS, 3, None), (K.COMPLETION, 4, 60), (K.QUIZ, 2, 30),
                                    (K.FINDING, -2, None), (K.OVERDUE, -3, None), (K.QUIET, -1, None)]:
        BranchRule.objects.create(organisation=county, kind=kind, points=Decimal(points),
                                  threshold=threshold)
    branches = list(Organisation.objects.filter(kind="branch").order_by("path")[::10])
    for branch in branches:
        inspection = Inspection.objects.create(organisation=branch, date=today - dt.timedelta(days=40),
                                               inspectors="县委督查组", findings="会议记录不全\n党费台账不全")
        Rectification.objects.bulk_create([
            Rectification(organisation=branch, inspection=inspection, what=what, owner="书记",
                          deadline=today - dt.timedelta(days=10))
            for what in ("会议记录不全", "党费台账不全")])
    return len(branches)


def timed(label, fn, runs=5):
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    print(f"{label}: median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms")
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--branches", type=int, default=900)
    parser.add_argument("--members", type=int, default=30000)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    args = parser.parse_args()
    open_database(args.database_url)
    import importlib.util

    from branch_life import services
    from branch_life.models import Event

    # bench/branch_life.py's county (its name is the app's: load it by path).
    spec = importlib.util.spec_from_file_location("bl_bench", ROOT / "bench" / "branch_life.py")
    bl_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bl_bench)
    args.check_ins = 40
    county, _big = bl_bench.build(args)
    # The last full quarter before today: its three months held.
    today = dt.date.today()
    first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    quarter = (first - dt.timedelta(days=1)).replace(day=1)
    quarter = quarter.replace(month=(quarter.month - 1) // 3 * 3 + 1)
    months = [quarter, (quarter + dt.timedelta(days=32)).replace(day=1),
              (quarter + dt.timedelta(days=63)).replace(day=1)]
    t0 = time.perf_counter()
    for month in months:
        services.plan_month(month)
    bl_bench.hold(months)
    print(f"planned and held {Event.objects.count()} activity days in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    n = study(county, months)
    inspected = rules_and_inspections(county, today)
    from django.db import connection

    connection.cursor().execute("ANALYZE")
    print(f"{n} completions, {inspected} inspections in {time.perf_counter() - t0:.1f} s")

    from supervision import bulletin, glance, ranking

    month = months[-1]
    month_s, table = timed("county month at a glance", lambda: glance.month_table(county, month))
    print(f"  {len(table.rows)} branches, {table.extra['summary']['attention']} needing attention")
    rank_s, league = timed("quarter's ranking", lambda: ranking.league_table(county, quarter))
    print(f"  {len(league.rows)} branches ranked; top {league.rows[0][:3]}")
    pdf_s, pdf = timed("bulletin PDF", lambda: bulletin.pdf(county, month), runs=3)
    print(f"  {len(pdf) / 1024:.0f} KiB")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    ok = month_s <= 1 and rank_s <= 1 and pdf_s <= 10
    print("goals (≤ 1 s, ≤ 1 s, ≤ 10 s):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
