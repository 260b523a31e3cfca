"""At once, as in the site's processes (each request on its own thread and database connection;
real PostgreSQL under `scripts/test.sh postgres`): two plannings of one month make each branch's
event once with the same ids; many members checking in in the same minute each get one answer
and one row, and the same member's repeated check-ins write once."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from branch_life import codes, services
from branch_life.models import AgendaItem, Attendance, Event
from tests.branch_life.conftest import event_now
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)
CSRF_TOKEN = "c" * 32


def post_check_in(url, cookie, code, tries=5):
    """POST a check-in; a connection the test server's small listen backlog reset before reading
    the request is tried again (it never reached Django)."""
    for _try in range(tries - 1):
        try:
            return _post(url, cookie, code)
        except ConnectionResetError:
            continue
    return _post(url, cookie, code)


def _post(url, cookie, code):
    request = urllib.request.Request(
        url, data=json.dumps({"code": code}).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-CSRFToken": CSRF_TOKEN,
                 "Cookie": f"sessionid={cookie}; csrftoken={CSRF_TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def run_at_once(functions):
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)
    errors = []

    def run(i, function):
        try:
            barrier.wait()
            results[i] = function()
        except Exception as error:  # reported below, with the thread's own traceback lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_two_plannings_at_once_make_each_event_once(county, people):
    month = timezone.localdate().replace(day=1)
    first, second = run_at_once([lambda: services.plan_month(month), lambda: services.plan_month(month)])
    assert first == second and len(first) == 3
    assert Event.objects.filter(month=month).count() == 3
    assert AgendaItem.objects.count() == 3 * 5
    assert Attendance.objects.count() == 4  # 3 in branch a (with its group), 1 in b, none in c


def test_many_members_check_in_in_the_same_minute(county, live_server):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite takes one writer at a time)")
    members = [make_member(county["a"], name=f"党员{n}") for n in range(20)]
    event = event_now(county["a"])
    cookies = []
    for member in members:
        client = Client()
        client.force_login(member.user)
        cookies.append(client.cookies["sessionid"].value)
    url = f"{live_server.url}/api/v1/events/{event.pk}/check-in"
    code = codes.current_code(event)[0]
    # Each member twice at once (a double tap): one answer each, the same, one row written.
    calls = [lambda c=c: post_check_in(url, c, code) for c in cookies + cookies]
    answers = run_at_once(calls)
    assert {status for status, _body in answers} == {200}, answers[:3]
    assert all(body == {"status": "checked_in"} for _status, body in answers)
    rows = Attendance.objects.filter(event=event, member__in=members)
    assert rows.count() == 20 and set(rows.values_list("status", flat=True)) == {"checked_in"}
