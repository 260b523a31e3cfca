"""Benchmark: what a progress heartbeat costs on the normal path — gunicorn serving Django's WSGI
handler (every middleware) on 127.0.0.1, with PostgreSQL — and how many heartbeats a core carries.

    .venv/bin/python bench/heartbeats.py [--seconds 20] [--warmup 20] [--members 5000] [--cpu]
        [--worker-class sync|gthread] [--workers 3] [--threads 4] [--clients 1] [--connections 8]
        [--rate-limit 30] [--interval 15] [--database-url postgres://.../dianke_members_hb]

Sets up its own database (a lesson of one hour, --members signed-in members with sessions and
CSRF tokens made directly in the database), starts gunicorn (sync workers by default, as deployed:
they close the connection after each response, and were faster here than gthread workers with
keep-alive, 451/s against 237/s side by side; persistent database connections; the default rate
limit of 30 a minute per member), then load processes (--clients, each with --connections
HTTP/1.1 connections on one selector, one request in flight on each) send real heartbeats — each
adds one new second of coverage for a member, members taken round-robin — first for --warmup
seconds (every worker meets the members' sessions for the first time: reported apart), then for
--seconds.

Prints requests/s, p50/p95/p99 latency and the status codes; the CPU per heartbeat of the web
processes (gunicorn's master and workers), of PostgreSQL (the backends of the bench's database
and the server's background processes; backends of other databases on a shared server are left
out) and of the load client, read from /proc; and what that implies: heartbeats per second one
core carries (1 / CPU seconds per heartbeat) for web + PostgreSQL together, for the web processes
alone and for PostgreSQL alone, and the members playing at once that is at one heartbeat every
--interval seconds (the player's 15 s, members/static/members/progress.js). CPU per heartbeat
drifts less with the machine's load than requests/s, which the load generator (on the same cores)
also caps; load average printed. --cpu first prints the SQL of one heartbeat and its CPU time
(Django and PostgreSQL) measured in process, which the machine's load skews far less.
"""

import argparse
import multiprocessing
import os
import secrets
import selectors
import socket
import statistics
import sys
import time
from pathlib import Path

from _server import APP, gunicorn  # bench/ is this script's folder on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dianke_members_hb"
DURATION = 3600.0


def setup(args):
    from bench.reports import ensure_database

    ensure_database(args.database_url, rebuild=True)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "dianke.settings.test"
    os.environ["DATABASE_CONN_MAX_AGE"] = "600"  # as in gunicorn below
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
    from tests.factories import make_county, make_lesson

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
            BACKEND_SESSION_KEY: "members.auth.MemberNumberOrPhoneBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data),
                    expire_date=store.get_expiry_date())
        )
        credentials.append((key, secrets.token_hex(16)))  # 32-char CSRF secret
    Session.objects.bulk_create(sessions, batch_size=5000)
    return lesson.pk, credentials


def _request(port, item_id, member, second, played=True):
    """A heartbeat with one new second played (or, `played=False`, the player's first heartbeat
    when play starts: nothing played yet, it starts the server's clocks)."""
    session_key, csrf = member
    ranges = f"[[{second}, {second + 1.0}]]" if played else "[]"
    body = (f'{{"session": "bench", "ranges": {ranges}, "position": {second + 1.0}, '
            f'"client_time": {time.time()}}}').encode()
    return (f"POST /api/v1/progress/{item_id}/heartbeat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nX-CSRFToken: {csrf}\r\n"
            f"Cookie: sessionid={session_key}; csrftoken={csrf}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def load_process(port, item_id, members, connections, deadline, queue, start=0.0):
    """One load process: `connections` keep-alive HTTP/1.1 connections on one selector, one
    request in flight on each (a few tens of microseconds of CPU a request, so that the client
    takes little from the server on the same cores)."""
    selector = selectors.DefaultSelector()
    latencies, codes = [], {}
    position = {}

    class Conn:
        def __init__(self, slot):
            self.slot, self.n = slot, 0
            self.open()

        def open(self):
            self.buffer = b""
            self.sock = socket.create_connection(("127.0.0.1", port))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.setblocking(False)
            selector.register(self.sock, selectors.EVENT_READ, self)

        def send(self):
            member = members[(self.slot + self.n * connections) % len(members)]
            played = member in position  # each member's first heartbeat: play pressed
            second = position.get(member, start)
            position[member] = second + 1.0 if second + 2.0 < DURATION else 0.0
            self.n += 1
            self.start = time.perf_counter()
            self.sock.sendall(_request(port, item_id, member, second, played))

        def reopen(self):  # sync workers close the connection after each response
            selector.unregister(self.sock)
            self.sock.close()
            self.open()

    conns = [Conn(slot) for slot in range(connections)]
    for conn in conns:
        conn.send()
    while conns:
        for key, _ in selector.select(timeout=5):
            conn = key.data
            try:
                data = conn.sock.recv(65536)
            except OSError:
                data = b""
            if not data:  # closed by the server: count it and carry on on a new connection
                codes["closed"] = codes.get("closed", 0) + 1
                conn.reopen()
                conn.send()
                continue
            conn.buffer += data
            head_end = conn.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                continue
            head = conn.buffer[:head_end].lower()
            length = 0
            for line in head.split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line[15:])
            if len(conn.buffer) < head_end + 4 + length:
                continue
            latencies.append(time.perf_counter() - conn.start)
            status = int(conn.buffer[9:12])
            codes[status] = codes.get(status, 0) + 1
            conn.buffer = conn.buffer[head_end + 4 + length:]
            if b"connection: close" in head:
                conn.reopen()
            if time.time() < deadline:
                conn.send()
            else:
                selector.unregister(conn.sock)
                conn.sock.close()
                conns.remove(conn)
    queue.put((latencies, codes, time.process_time()))


def cpu_per_heartbeat(item_id, member, count=2000):
    """Queries and CPU of one heartbeat, through the site's WSGI application (Django's handler) in
    this process (what a gunicorn worker runs, less HTTP parsing); PostgreSQL's share read from
    its backend's /proc."""
    import datetime as dt
    import io

    from django.conf import settings
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from members.models import HeartbeatCount, ItemProgress

    settings.DIANKE_HEARTBEATS_PER_MINUTE = 10**9  # one member sends them all, as fast as it can
    from dianke.wsgi import application
    session_key, csrf = member

    def beat(second, expect="200"):
        body = _request(0, item_id, member, second).split(b"\r\n\r\n", 1)[1]
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": f"/api/v1/progress/{item_id}/heartbeat",
            "SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "HTTP_HOST": "127.0.0.1",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_CSRFTOKEN": csrf, "HTTP_COOKIE": f"sessionid={session_key}; csrftoken={csrf}",
        }
        status = []
        b"".join(application(environ, lambda s, h, exc_info=None: status.append(s)))
        assert status[0].startswith(expect), status

    # A first heartbeat credits nothing but starts the item's and the member's clocks
    # (members.services.clock_allowance); both have run for a month, as for a member who watches.
    beat(0.0, expect="422")
    ItemProgress.objects.update(started_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    HeartbeatCount.objects.update(clock_start=time.time() - 30 * 86400)
    connection.queries_log.clear()  # the setup may have filled it to its maximum length
    request_started.disconnect(reset_queries)  # else the request empties it after capture starts
    with CaptureQueriesContext(connection) as captured:
        beat(1.0)
    queries = list(captured.captured_queries)  # read from the log, which later requests empty
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = f"/proc/{cursor.fetchone()[0]}/stat"

    def backend_cpu():
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    cpu, pg = time.process_time(), backend_cpu()
    for n in range(count):
        beat(2.0 + n % 3000)
    cpu, pg = (time.process_time() - cpu) / count, (backend_cpu() - pg) / count
    print(f"one heartbeat: {len(queries)} SQL statements (BEGIN and COMMIT included):")
    for query in queries:
        print(f"    {query['sql'][:110]}")
    print(f"CPU per heartbeat ({count} in process): Django {cpu * 1000:.2f} ms, "
          f"PostgreSQL {pg * 1000:.2f} ms (load average {os.getloadavg()[0]:.2f})")
    ItemProgress.objects.all().delete()
    HeartbeatCount.objects.all().delete()
    connection.close()


def _process_cpu():
    """{pid: (name, parent pid, CPU seconds)} of every process on the machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        table[int(stat.parent.name)] = (name, int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return table


def _other_databases_backends(database_url):
    """Pids of PostgreSQL backends serving other databases (other developers' tests on a shared
    server): not the heartbeats' cost. Background processes (WAL writer, checkpointer, autovacuum
    launcher) have no database and count."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> %s", [name]
        ).fetchall()
    return {pid for (pid,) in rows}


def server_cpu(gunicorn_pid, database_url):
    """CPU seconds so far: {pid: cpu} of gunicorn (master and workers) and of the PostgreSQL
    processes that work for the bench's database."""
    other = _other_databases_backends(database_url)
    table = _process_cpu()
    web = {pid: cpu for pid, (_, parent, cpu) in table.items() if gunicorn_pid in (pid, parent)}
    database = {pid: cpu for pid, (name, _, cpu) in table.items()
                if name.startswith("postgres") and pid not in other}
    return web, database


def _spent(before, after):
    """CPU seconds spent between two {pid: cpu} readings (a process that started meanwhile counts
    whole, one that ended meanwhile is lost: a few ms at most here)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--worker-class", default="sync",
                        help="gunicorn worker class: sync (as deployed; a connection per request) "
                             "or gthread (keep-alive), measured slower here")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (3, as the Dockerfile)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--clients", type=int, default=1, help="load processes")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections per load process")
    parser.add_argument("--rate-limit", type=int, default=30,
                        help="DIANKE_HEARTBEATS_PER_MINUTE of the server (30, the default, holds "
                             "for ≥ 2,000 members at 1,000/s)")
    parser.add_argument("--interval", type=float, default=15,
                        help="seconds between one playing member's heartbeats, to turn heartbeats "
                             "per core into members (15, the player's default)")
    parser.add_argument("--warmup", type=float, default=20,
                        help="seconds of load before the measured run, reported apart (0: none)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_HB_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--cpu", action="store_true",
                        help="also count queries and CPU per heartbeat in this process (Django's "
                             "WSGI handler, no HTTP), which the machine's load does not skew")
    args = parser.parse_args()

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    item_id, credentials = setup(args)
    from django.conf import settings

    # What every heartbeat passes through (the numbers change with it).
    print(f"{len(settings.MIDDLEWARE)} middleware: {', '.join(m.rsplit('.', 1)[1] for m in settings.MIDDLEWARE)}")
    if args.cpu:
        cpu_per_heartbeat(item_id, credentials[0])
    options = ["--worker-class", args.worker_class]
    if args.worker_class == "gthread":
        options += ["--threads", str(args.threads)]
    with gunicorn(args.database_url, args.port, args.workers, *options,
                  env={"DIANKE_HEARTBEATS_PER_MINUTE": str(args.rate_limit)}) as server:
        print(f"load average before: {os.getloadavg()}")
        if args.warmup:
            # Every worker meets each member's session once before it knows it (then a heartbeat
            # checks it in one statement): a member sends ~240 heartbeats an hour, a bench run a few.
            cold = run_load(args, server.pid, item_id, credentials, args.warmup, start=0.0)
            report(f"warm-up, {args.warmup:.0f} s (sessions new to the workers)", cold, args.interval)
        result = run_load(args, server.pid, item_id, credentials, args.seconds, start=DURATION / 2)
        print(f"load average after:  {os.getloadavg()}")
    threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    print(f"gunicorn {APP}: {args.workers} {args.worker_class} workers{threads}; load: {args.clients} "
          f"processes x {args.connections} connections; {args.members} members; rate limit {args.rate_limit}/min")
    report(f"measured, {args.seconds:.0f} s", result, args.interval)


def run_load(args, gunicorn_pid, item_id, credentials, seconds, start):
    deadline = time.time() + seconds
    queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=load_process,
            args=(args.port, item_id, credentials[i::args.clients], args.connections, deadline, queue, start),
        )
        for i in range(args.clients)
    ]
    started = time.time()
    cpu_before = server_cpu(gunicorn_pid, args.database_url)
    for p in procs:
        p.start()
    latencies, codes, client_cpu = [], {}, 0.0
    for _ in procs:
        lat, c, cpu = queue.get()
        client_cpu += cpu
        latencies.extend(lat)
        for k, v in c.items():
            codes[k] = codes.get(k, 0) + v
    for p in procs:
        p.join()
    elapsed = time.time() - started
    web_cpu, database_cpu = (_spent(before, after) for before, after in
                             zip(cpu_before, server_cpu(gunicorn_pid, args.database_url), strict=True))
    return {"latencies": sorted(latencies), "codes": codes, "elapsed": elapsed, "web_cpu": web_cpu,
            "database_cpu": database_cpu, "client_cpu": client_cpu}


def report(label, result, interval):
    latencies, codes, elapsed = result["latencies"], result["codes"], result["elapsed"]
    q = statistics.quantiles(latencies, n=100)
    total = max(len(latencies), 1)
    web, database, client = (result[k] / total for k in ("web_cpu", "database_cpu", "client_cpu"))
    busy = (result["web_cpu"] + result["database_cpu"] + result["client_cpu"]) / elapsed
    print(f"{label}:")
    print(f"  heartbeats: {len(latencies)} in {elapsed:.1f} s = {len(latencies) / elapsed:.0f}/s (goal on 2 cores ≥ 1000/s); "
          f"200 OK: {codes.get(200, 0)}; codes: {codes}")
    print(f"  latency p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms "
          f"(goal p99 ≤ 50 ms)")
    print(f"  CPU per heartbeat: web (gunicorn) {web * 1000:.2f} ms + PostgreSQL {database * 1000:.2f} ms "
          f"= {(web + database) * 1000:.2f} ms; load client {client * 1000:.2f} ms; "
          f"{busy:.2f} of {os.cpu_count()} cores busy")
    print(f"  one core carries (1 / CPU per heartbeat), and members playing at once at one heartbeat "
          f"every {interval:g} s:")
    for part, cpu in (("web + PostgreSQL", web + database), ("web alone", web), ("PostgreSQL alone", database)):
        per_core = 1 / cpu if cpu else float("inf")
        print(f"    {part:<17} {per_core:7,.0f} heartbeats/s per core = {per_core * interval:9,.0f} members")


if __name__ == "__main__":
    main()
