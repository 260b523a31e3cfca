"""What the benchmarks that start gunicorn share (imported as `_server`: bench/ is the scripts'
own folder on sys.path)."""

import http.client
import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = "dianke.wsgi:application"  # the site's WSGI application: Django's handler, as deployed


def wait_for(port, timeout=30):
    """Until the site on 127.0.0.1:`port` answers its sign-in page (gunicorn is up)."""
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


@contextmanager
def gunicorn(database_url, port, workers, *options, env=None):
    """The site's WSGI application under gunicorn on 127.0.0.1:`port` (the test settings, the
    benchmark's database, persistent connections as deployed, `workers` workers and any further
    gunicorn `options`), up for the block and stopped after it; yields the master's process."""
    environment = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "dianke.settings.test",
                   "DATABASE_CONN_MAX_AGE": "600", "LOG_LEVEL": "ERROR", **(env or {})}
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), APP, "--workers", str(workers), *options,
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    server = subprocess.Popen(command, env=environment, cwd=ROOT)
    try:
        wait_for(port)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
