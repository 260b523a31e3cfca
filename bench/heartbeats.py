"""Benchmark: heartbeat throughput and latency against gunicorn on 127.0.0.1 with PostgreSQL.

    .venv/bin/python bench/heartbeats.py [--seconds 20] [--members 5000] [--workers 3]
        [--clients 4] [--connections 8] [--database-url postgres://.../dianke_members_hb]

Sets up its own database (a lesson of one hour, --members signed-in members with sessions and
CSRF tokens made directly in the database), starts gunicorn (sync workers, persistent database
connections), then load processes (--clients, each with --connections keep-alive HTTP
connections) send real heartbeats — each adds one new second of coverage for a member, members
taken round-robin — for a bounded time. Prints requests/s, p50/p95/p99 latency and the status
codes. Goal: ≥ 1,000 heartbeats/s with p99 ≤ 50 ms on 2 cores. The load generator runs on the
same machine and takes CPU from the server: the numbers are a lower bound; load average printed.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dianke_members_hb"
DURATION = 3600.0


def setup(args):
    from bench.reports import ensure_database

    ensure_database(args.database_url, rebuild=True)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "dianke.settings.test"
    import django

    django.setup()
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    from members.models import Member
    from members.testing import make_county, make_lesson

    call_command("migrate", verbosity=0)
    county = make_county()
    lesson = make_lesson(kind="video", duration=DURATION, title="基准课程")
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"hb-{n:06d}", password="!") for n in range(args.members)], batch_size=5000
    )
    users = list(User.objects.filter(username__startswith="hb-").order_by("pk"))
    Member.objects.bulk_create(
        [Member(user=u, name=f"党员{n}", number=f"H{n:06d}", branch=county["a"]) for n, u in enumerate(users)],
        batch_size=5000,
    )
    store = SessionStore()
    sessions, credentials = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data),
                    expire_date=store.get_expiry_date())
        )
        credentials.append((key, secrets.token_hex(16)))  # 32-char CSRF secret
    Session.objects.bulk_create(sessions, batch_size=5000)
    return lesson.pk, credentials


def load_process(port, item_id, credentials, offset, stride, connections, deadline, queue):
    import threading

    latencies, codes = [], {}
    lock = threading.Lock()

    def run(thread_no):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = 0
        position = {}
        members = credentials[offset + thread_no * stride::stride * connections] or credentials
        local_lat, local_codes = [], {}
        while time.time() < deadline:
            session_key, csrf = members[n % len(members)]
            second = position.get(session_key, 0.0)
            position[session_key] = second + 1.0 if second + 1.0 < DURATION else 0.0
            body = json.dumps({"session": "bench", "ranges": [[second, second + 1.0]],
                               "position": second + 1.0, "client_time": time.time()})
            headers = {"Content-Type": "application/json", "X-CSRFToken": csrf,
                       "Cookie": f"sessionid={session_key}; csrftoken={csrf}"}
            start = time.perf_counter()
            try:
                conn.request("POST", f"/api/v1/progress/{item_id}/heartbeat", body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = "error"
            local_lat.append(time.perf_counter() - start)
            local_codes[status] = local_codes.get(status, 0) + 1
            n += 1
        with lock:
            latencies.extend(local_lat)
            for k, v in local_codes.items():
                codes[k] = codes.get(k, 0) + v

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((latencies, codes))


def wait_for(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=2, help="load processes")
    parser.add_argument("--connections", type=int, default=4, help="connections per load process")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_HB_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    item_id, credentials = setup(args)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "dianke.settings.test",
        "DATABASE_CONN_MAX_AGE": "600",
        # Each bench member sends far more than a real one (one every few seconds).
        "DIANKE_HEARTBEATS_PER_MINUTE": "100000",
        "LOG_LEVEL": "ERROR",
    }
    gunicorn = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "dianke.wsgi", "-w", str(args.workers),
         "-b", f"127.0.0.1:{args.port}", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    try:
        wait_for(args.port)
        print(f"load average before: {os.getloadavg()}")
        deadline = time.time() + args.seconds
        queue = multiprocessing.Queue()
        procs = [
            multiprocessing.Process(
                target=load_process,
                args=(args.port, item_id, credentials, i, args.clients, args.connections, deadline, queue),
            )
            for i in range(args.clients)
        ]
        started = time.time()
        for p in procs:
            p.start()
        latencies, codes = [], {}
        for _ in procs:
            lat, c = queue.get()
            latencies.extend(lat)
            for k, v in c.items():
                codes[k] = codes.get(k, 0) + v
        for p in procs:
            p.join()
        elapsed = time.time() - started
        print(f"load average after:  {os.getloadavg()}")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    total = len(latencies)
    ok = codes.get(200, 0)
    print(f"gunicorn workers: {args.workers}; load: {args.clients} processes x {args.connections} connections; "
          f"{args.members} members")
    print(f"heartbeats: {total} in {elapsed:.1f} s = {total / elapsed:.0f}/s (goal ≥ 1000/s); "
          f"200 OK: {ok}; codes: {codes}")
    print(f"latency p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms "
          f"(goal p99 ≤ 50 ms)")


if __name__ == "__main__":
    main()
