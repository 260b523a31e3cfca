"""What the benchmarks that start gunicorn share (imported as `_server`: bench/ is the scripts'
own folder on sys.path)."""

import http.client
import time


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
