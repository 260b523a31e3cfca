"""Done-when, in Debian's chromium at phone size: a member signs in, plays a lesson with
progress.js, the phone drops offline halfway, comes back, the lesson finishes — completed."""

import base64
import subprocess

import pytest

from members.models import Completion, ItemProgress
from tests.factories import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECONDS = 6


@pytest.fixture
def webm_clip(tmp_path):
    clip = tmp_path / "lesson.webm"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc2=s=320x180:r=25:d={SECONDS}", "-c:v", "libvpx", "-b:v", "150k", "-an", str(clip)],
        check=True,
    )
    return clip


def player_html(item_id, clip):
    data = base64.b64encode(clip.read_bytes()).decode()
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>播放</title></head>
<body><video id="v" muted playsinline controls width="320" src="data:video/webm;base64,{data}"></video>
<p id="state">-</p>
<script src="/static/members/progress.js"></script>
<script>
  window.tracker = DiankeProgress.attach(document.getElementById("v"), {{
    itemId: {item_id}, interval: 1000,
    onState: function (s) {{ document.getElementById("state").textContent = JSON.stringify(s); }}
  }});
</script></body></html>"""


def test_offline_halfway_then_back_completes(
    live_server, browser_page, members_county, make_lesson, webm_clip, output_dir
):
    person = make_member(members_county["a"], number="B0001", phone="13800000888")
    lesson = make_lesson(kind="video", duration=SECONDS, title="离线测试课")
    page = browser_page
    page.goto(live_server.url + "/accounts/login/?next=/me/")
    page.fill("input[name=username]", "13800000888")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.members-form button[type=submit]")
    page.wait_for_url("**/me/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    page.screenshot(path=str(output_dir / "me.png"), full_page=True)

    player_url = live_server.url + "/__player__/"
    page.route(player_url, lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=player_html(lesson.pk, webm_clip)
    ))
    page.goto(player_url)
    page.evaluate("document.getElementById('v').play()")
    page.wait_for_function("document.getElementById('v').currentTime > 1.5")
    page.context.set_offline(True)
    page.wait_for_function("document.getElementById('v').currentTime > 4")
    queued = page.evaluate("DiankeProgress.pending()")
    assert str(lesson.pk) in queued, "heartbeats made offline are kept in localStorage"
    assert not Completion.objects.filter(member=person).exists()
    page.context.set_offline(False)
    page.wait_for_function("document.getElementById('v').ended", timeout=20_000)
    page.wait_for_function(
        "document.getElementById('state').textContent.indexOf('\"completed\":true') >= 0",
        timeout=15_000,
    )
    page.wait_for_function("Object.keys(DiankeProgress.pending()).length === 0", timeout=10_000)
    record = Completion.objects.get(member=person, page_id=lesson.pk)
    assert record.how == "watched"
    progress = ItemProgress.objects.get(member=person, page_id=lesson.pk)
    assert progress.covered_seconds >= 0.9 * SECONDS
    # The offline stretch is in the merged ranges: no hole between 2 and 4 s.
    assert any(start <= 2 and end >= 4 for start, end in progress.ranges), progress.ranges
    api = page.evaluate(
        f"fetch('/api/v1/progress/{lesson.pk}', {{credentials: 'same-origin'}}).then(r => r.json())"
    )
    assert api["completed"] is True
    # Leave the page now, so that its pagehide beacon is answered before the database is reset.
    page.goto("about:blank")
    page.wait_for_timeout(500)
