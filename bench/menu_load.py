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
import shutil
import subprocess
import sys
import tempfile
import threading
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
             "--workers", str(args.workers), "--access-logfile", str(access_log),
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

    print(f"menu with {args.courses} courses, {args.clients} concurrent clients, gunicorn --workers {args.workers},"
          f" PostgreSQL, production settings; load average before: {load_before:.2f}")
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
    """`clients` threads with keep-alive connections share `total` requests, stopping after `seconds`."""
    latencies, errors = [], [0]
    lock = threading.Lock()
    remaining = [total]
    deadline = time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                connection.request("GET", "/", headers={"Host": "127.0.0.1"})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors[0] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.monotonic() - started


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000, help="total requests (default 3000)")
    parser.add_argument("--seconds", type=float, default=120, help="stop after this long at most")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--rounds", type=int, default=200, help="in-process requests timed for CPU per request")
    parser.add_argument("--in-process-only", action="store_true", help="only the in-process CPU per request")
    sys.exit(run(parser.parse_args()))
