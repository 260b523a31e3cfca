"""The course menu under load: 100 courses, gunicorn on 127.0.0.1 with the production settings and
PostgreSQL, 50 concurrent clients. Prints requests per second, p50/p95/p99 server time (gunicorn's
own per-request time, %(D)s) and client latency, and the menu's page weight (HTML+CSS+JS, gzip).

Goals (issue 5): p95 server time <= 50 ms; HTML+CSS+JS <= 30 KB gzip.

    .venv/bin/python bench/menu_load.py [--courses 100] [--clients 50] [--requests 3000]
"""

import argparse
import gzip
import http.client
import os
import re
import secrets
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
POSTGRES = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def environment(workdir, database):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dianke.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": f"{POSTGRES}/{database}",
        "DATABASE_CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DIANKE_VAR_DIR": str(workdir),
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
    }


POPULATE = r"""
import sys
import django
django.setup()
from wagtail.models import Page, Site
from lectures.models import CoursePage, LessonPage, LibraryPage, Topic
from media_pipeline.models import LectureMedia

from wagtail.signal_handlers import disable_reference_index_auto_update

disable_reference_index_auto_update().__enter__()  # the menu does not use it; populating is quicker
courses = int(sys.argv[1])
root = Page.get_first_root_node()
home = root.add_child(instance=LibraryPage(title="点课：党员学习课程库", slug="bench"))
Site.objects.all().delete()
Site.objects.create(hostname="127.0.0.1", port=80, root_page=home, is_default_site=True, site_name="点课")
names = ["学党章党规", "学系列讲话", "做合格党员", "党史故事", "专题学习"]
topics = [Topic.objects.create(name=n, slug=f"t{i}", sort_order=i) for i, n in enumerate(names)]
media = LectureMedia.objects.create(title="录像", file="media/x.mp4", type="video", duration=1800.0)
for n in range(courses):
    course = home.add_child(instance=CoursePage(
        title=f"第{n + 1}课 学习党章党规专题讲座", slug=f"course-{n}", teacher="县委党校 王老师",
        summary="逐条学习，联系实际。"))
    course.topics.add(topics[n % len(topics)])
    course.save_revision().publish()
    for i in range(1 + n % 3):
        course.add_child(instance=LessonPage(title=f"第{i + 1}讲", slug=f"l{i}", kind="video", media=media))
print(CoursePage.objects.live().count(), "courses")
"""

# CPU per menu request inside one process (Django's test Client, the same settings and database):
# process time does not depend on what else the machine runs, unlike the server times under load.
IN_PROCESS = r"""
import sys
import time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

rounds = int(sys.argv[1])
user, _ = get_user_model().objects.get_or_create(username="bench-member")
for label, client in (("anonymous", Client()), ("signed in", Client())):
    if label == "signed in":
        client.force_login(user)
    for _ in range(5):
        assert client.get("/", HTTP_HOST="127.0.0.1").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/", HTTP_HOST="127.0.0.1")
    count = len(queries)  # read now: the next request clears the connection's query log
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        client.get("/", HTTP_HOST="127.0.0.1")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"in-process {label:<10} CPU {cpu / rounds * 1000:5.1f} ms/request, wall {wall / rounds * 1000:5.1f} ms,"
          f" {count} queries")
"""


def run(args):
    load_at_start = os.getloadavg()
    database = f"dianke_bench_menu_{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="dianke-bench-menu-"))
    env = environment(workdir, database)
    manage = [PY, str(ROOT / "manage.py")]
    psql_admin = [PY, "-c", "import sys, psycopg; c = psycopg.connect(sys.argv[1] + '/postgres', autocommit=True); "
                  "c.execute(sys.argv[2]); c.close()", POSTGRES]
    subprocess.run(psql_admin + [f'CREATE DATABASE "{database}"'], check=True)
    server = None
    try:
        subprocess.run(manage + ["migrate", "-v0", "--no-input"], env=env, check=True, cwd=ROOT)
        subprocess.run(manage + ["createcachetable"], env=env, check=True, cwd=ROOT)
        subprocess.run(manage + ["collectstatic", "-v0", "--no-input"], env=env, check=True, cwd=ROOT)
        started = time.monotonic()
        subprocess.run([PY, "-c", POPULATE, str(args.courses)], env=env, check=True, cwd=ROOT)
        print(f"populated {args.courses} courses in {time.monotonic() - started:.1f} s")
        in_process = subprocess.run([PY, "-c", IN_PROCESS, str(args.rounds)], env=env, check=True, cwd=ROOT,
                                    capture_output=True, text=True).stdout
        if args.in_process_only:
            return print(in_process, end="") or 0
        access_log = workdir / "access.log"
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "dianke.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.workers), "--worker-class", args.worker_class, "--threads", str(args.threads),
             "--access-logfile", str(access_log),
             "--access-logformat", "%(D)s %(s)s %(U)s"],
            env=env, cwd=ROOT, stderr=(workdir / "gunicorn.log").open("w"),
        )
        try:
            wait_until_up(args.port)
        except SystemExit:
            print((workdir / "gunicorn.log").read_text()[-3000:], file=sys.stderr)
            raise
        weight = page_weight(args.port)
        for _ in range(20):  # warm every worker
            fetch(args.port, "/")
        access_log.write_text("")
        load_before = os.getloadavg()[0]
        latencies, errors, elapsed = load(args.port, args.clients, args.requests, args.seconds)
        time.sleep(0.5)
        server_times = [int(line.split()[0]) / 1000 for line in access_log.read_text().splitlines()
                        if line.split()[1] == "200"]
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        subprocess.run(psql_admin + [f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'], check=False)
        shutil.rmtree(workdir, ignore_errors=True)

    threads = f" --threads {args.threads}" if args.worker_class == "gthread" else ""
    print(f"menu with {args.courses} courses, {args.clients} concurrent clients, gunicorn --workers {args.workers}"
          f" --worker-class {args.worker_class}{threads},"
          f" PostgreSQL, production settings")
    print("load average      at start {:.2f} {:.2f} {:.2f}; before the load phase {:.2f}"
          " (this script's own set-up included)".format(*load_at_start, load_before))
    print(in_process, end="")
    print(f"requests          {len(latencies)} in {elapsed:.1f} s, errors {errors}")
    print(f"requests/s        {len(latencies) / elapsed:.0f}")
    print(f"server time (ms)  p50 {percentile(server_times, .5):.1f}  p95 {percentile(server_times, .95):.1f}"
          f"  p99 {percentile(server_times, .99):.1f}   goal p95 <= 50: "
          f"{'PASS' if percentile(server_times, .95) <= 50 else 'FAIL'}")
    print(f"client latency    p50 {percentile(latencies, .5):.1f}  p95 {percentile(latencies, .95):.1f}"
          f"  p99 {percentile(latencies, .99):.1f} ms (includes queueing behind {args.clients} clients)")
    print(f"page weight gzip  HTML {weight['html']} B + CSS {weight['css']} B + JS {weight['js']} B"
          f" = {weight['total']} B   goal <= 30720: {'PASS' if weight['total'] <= 30720 else 'FAIL'}")
    return 0


def fetch(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def wait_until_up(port, timeout=180):  # a loaded machine boots Django slowly
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if fetch(port, "/")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port}")


def page_weight(port):
    status, html = fetch(port, "/")
    assert status == 200, status
    sizes = {"html": len(gzip.compress(html, 6)), "css": 0, "js": 0}
    text = html.decode()
    for kind, pattern in (("css", r'<link rel="stylesheet" href="([^"]+)"'), ("js", r'<script[^>]+src="([^"]+)"')):
        for url in re.findall(pattern, text):
            status, body = fetch(port, url)
            assert status == 200, (url, status)
            sizes[kind] += len(gzip.compress(body, 6))
    sizes["total"] = sizes["html"] + sizes["css"] + sizes["js"]
    return sizes


def load(port, clients, total, seconds):
    """`clients` connections on one selector, one request in flight on each, sharing `total`
    requests and stopping after `seconds`. A few tens of microseconds of CPU a request (threads
    of http.client took most of a core from the server on the same 2 cores). Keep-alive where the
    server keeps the connection open; sync gunicorn workers close it after each response."""
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n\r\n".encode()
    selector = selectors.DefaultSelector()
    latencies, errors, sent = [], [0], [0]
    deadline = time.monotonic() + seconds

    class Connection:
        def __init__(self):
            self.sock = socket.create_connection(("127.0.0.1", port))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.setblocking(False)
            self.buffer = b""
            selector.register(self.sock, selectors.EVENT_READ, self)

        def close(self):
            selector.unregister(self.sock)
            self.sock.close()

        def send(self):
            if sent[0] >= total or time.monotonic() > deadline:
                self.close()
                return False
            sent[0] += 1
            self.buffer, self.started = b"", time.perf_counter()
            self.sock.sendall(request)
            return True

    open_connections = sum(Connection().send() for _ in range(clients))
    started = time.monotonic()
    while open_connections:
        for key, _ in selector.select(timeout=30):
            connection = key.data
            try:
                data = connection.sock.recv(262144)
            except OSError:
                data = b""
            connection.buffer += data
            head_end = connection.buffer.find(b"\r\n\r\n")
            length = None
            if head_end >= 0:
                head = connection.buffer[:head_end].lower()
                for line in head.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line[15:])
            complete = head_end >= 0 and length is not None and len(connection.buffer) >= head_end + 4 + length
            if not data and not complete:  # closed before a whole response
                errors[0] += 1
            elif not complete:
                continue
            else:
                if connection.buffer.startswith(b"HTTP/1.1 200"):
                    latencies.append((time.perf_counter() - connection.started) * 1000)
                else:
                    errors[0] += 1
                if data and b"connection: close" not in head:
                    if not connection.send():
                        open_connections -= 1
                    continue
            connection.close()
            if sent[0] < total and time.monotonic() < deadline:
                connection = Connection()
                connection.send()
            else:
                open_connections -= 1
    return latencies, errors[0], time.monotonic() - started


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000, help="total requests (default 3000)")
    parser.add_argument("--seconds", type=float, default=120, help="stop after this long at most")
    # The menu is CPU-bound (about 8 ms of CPU and 1 ms waiting on PostgreSQL a request), so more
    # workers than cores only interleave requests and lengthen each one (measured on 2 cores: p95
    # 13 ms with 2 workers, 28 ms with 3, 36 ms with 4).
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn workers (default: one per core)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--rounds", type=int, default=200, help="in-process requests timed for CPU per request")
    parser.add_argument("--in-process-only", action="store_true", help="only the in-process CPU per request")
    sys.exit(run(parser.parse_args()))
