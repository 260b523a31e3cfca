"""Heartbeats of many tabs at once through a real server: each request on its own thread and its
own database connection, as in the site's processes (on SQLite too: the test database is a file,
site/settings/test.py)."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test import Client

from members.models import ItemProgress

CSRF_TOKEN = "c" * 32


def post_heartbeat(url, session_cookie, session):
    # The player's first heartbeat (play pressed, nothing played yet: a first heartbeat credits
    # nothing, members.services.clock_allowance).
    body = {"session": session, "ranges": [], "position": 0, "client_time": 1.0}
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": CSRF_TOKEN,
            "Cookie": f"sessionid={session_cookie}; csrftoken={CSRF_TOKEN}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_heartbeats_of_many_tabs_at_once_all_answer_and_write_one_row_per_item(
    live_server, member, make_lesson
):
    lessons = [make_lesson(kind="video", duration=600, title=f"第{n}讲") for n in range(6)]
    client = Client()
    client.force_login(member)
    cookie = client.cookies["sessionid"].value
    tabs = [(lesson, f"tab{n}") for lesson in lessons for n in range(3)]
    start = threading.Barrier(len(tabs))
    statuses = []

    def tab(lesson, session):
        url = f"{live_server.url}/api/v1/progress/{lesson.pk}/heartbeat"
        start.wait()
        statuses.append(post_heartbeat(url, cookie, session))

    threads = [threading.Thread(target=tab, args=tab_args) for tab_args in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * len(tabs)
    rows = ItemProgress.objects.filter(member=member.member)
    assert sorted(rows.values_list("page_id", flat=True)) == sorted(lesson.pk for lesson in lessons)
    assert not connection.needs_rollback
