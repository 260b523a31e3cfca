"""What the county-sized benchmarks share (imported as `_county`: bench/ is the scripts' own folder
on sys.path): a fresh PostgreSQL database with the site's schema, a county of towns and branches
with its members, signed-in sessions for members, and the latency summary they print."""

import os
import secrets
import time

TOWNS = 30


def open_database(url, *, conn_max_age="600"):
    """Rebuild the database at `url`, point Django at it (the test settings) and migrate."""
    from bench.reports import ensure_database

    ensure_database(url, rebuild=True)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "dianke.settings.test"
    os.environ["DATABASE_CONN_MAX_AGE"] = conn_max_age
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_county(branches, members, *, prefix, branch_of=None):
    """A county committee with TOWNS town committees and `branches` branches below them, and
    `members` members (users named `<prefix>-000001`…, numbers `<PREFIX>000001`…) placed by
    branch_of(n, branch list) (default: round robin). Returns (county, branch list)."""
    from django.contrib.auth import get_user_model

    from members.models import Member, Organisation

    t0 = time.perf_counter()
    county = Organisation.add_root(name="基准县委", kind="committee")
    towns = []
    for t in range(TOWNS):
        county = Organisation.objects.get(pk=county.pk)
        towns.append(county.add_child(name=f"第{t + 1:02d}镇党委", kind="committee"))
    placed = []
    for town in towns:
        for b in range(branches // len(towns)):
            town = Organisation.objects.get(pk=town.pk)
            placed.append(town.add_child(name=f"{town.name}第{b + 1:02d}支部", kind="branch"))
    branch_of = branch_of or (lambda n, all_branches: all_branches[n % len(all_branches)])
    User = get_user_model()
    User.objects.bulk_create([User(username=f"{prefix}-{n:06d}", password="!") for n in range(members)],
                             batch_size=5000)
    users = list(User.objects.filter(username__startswith=f"{prefix}-").order_by("username"))
    Member.objects.bulk_create([
        Member(user=u, name=f"党员{n}", number=f"{prefix.upper()}{n:06d}", branch=branch_of(n, placed))
        for n, u in enumerate(users)], batch_size=5000)
    print(f"built {len(placed)} branches, {members} members in {time.perf_counter() - t0:.1f} s")
    return Organisation.objects.get(pk=county.pk), placed


def member_sessions(members):
    """A signed-in session per member (their `user` loaded), written in bulk: [(session key,
    CSRF token)] in the same order."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    store = SessionStore()
    rows, credentials = [], []
    for member in members:
        key = secrets.token_hex(16)
        rows.append(Session(session_key=key, expire_date=store.get_expiry_date(),
                            session_data=store.encode({
                                SESSION_KEY: str(member.user.pk),
                                BACKEND_SESSION_KEY: "members.auth.MemberNumberOrPhoneBackend",
                                HASH_SESSION_KEY: member.user.get_session_auth_hash()})))
        credentials.append((key, secrets.token_hex(16)))
    Session.objects.bulk_create(rows, batch_size=5000)
    return credentials


def latency_summary(label, noun, timings):
    """Print p50/p95/max of [(seconds, status)] and the statuses seen; returns p95 in ms."""
    times = sorted(t for t, _s in timings)
    statuses = {}
    for _t, status in timings:
        statuses[status] = statuses.get(status, 0) + 1
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000  # noqa: E731
    print(f"  {label}: {len(times)} {noun}, p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, "
          f"max {times[-1] * 1000:.0f} ms; statuses {statuses}")
    return p(0.95)
