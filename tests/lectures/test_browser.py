"""A member's journey on a phone (Debian chromium, 360x740): sign in, find a lecture by topic in
two taps, play it, leave, come back to the same second, change speed, switch to elderly mode.
Each page also passes axe-core with no serious or critical violations."""

import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from wagtail.models import Page, Site

from lectures.models import CoursePage, LessonPage, LibraryPage, Topic
from media_pipeline.core.samples import make_video
from media_pipeline.models import LectureMedia, ProcessingState
from tests.factories import PASSWORD, make_county, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
CLIP_SECONDS = 24


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("clip") / "lesson.mp4", seconds=CLIP_SECONDS,
                      text="党员的权利", body="第四条 党员享有下列权利", audio="tone")


def published_media(clip):
    """Renditions laid out as the pipeline publishes them (its own tests make them for real)."""
    media = LectureMedia.objects.create(title="党员的权利", file="media/source.mp4", type="video",
                                        duration=float(CLIP_SECONDS))
    prefix = f"renditions/{media.pk}/job/"
    folder = Path(settings.MEDIA_ROOT) / prefix
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(clip, folder / "small.mp4")
    media.processing_state = ProcessingState.READY
    media.renditions_prefix = prefix
    media.manifest = {"probe": {"duration": CLIP_SECONDS}, "outputs": [
        {"kind": "mp4", "path": "small.mp4", "width": 640, "height": 360, "bitrate": 200000,
         "bytes": clip.stat().st_size, "duration": CLIP_SECONDS}]}
    media.save()
    return media


@pytest.fixture
def library_site(clip):
    home = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课：党员学习课程库", slug="dk"))
    Site.objects.update_or_create(is_default_site=True,
                                  defaults={"hostname": "localhost", "root_page": home, "site_name": "点课"})
    history = Topic.objects.create(name="党史故事", slug="dangshi", sort_order=1)
    rules = Topic.objects.create(name="学党章党规", slug="dangzhang", sort_order=0)
    other = home.add_child(instance=CoursePage(title="红船的故事", slug="hongchuan"))
    other.topics.add(history)
    other.save_revision().publish()
    course = home.add_child(instance=CoursePage(title="党员的权利和义务", slug="quanli", teacher="王老师"))
    course.topics.add(rules)
    course.save_revision().publish()
    lesson = course.add_child(instance=LessonPage(title="党员的八项权利", slug="bax", kind="video",
                                                  media=published_media(clip)))
    county = make_county()
    member = make_member(county["a"], number="D2001", phone="13900002001", name="李党员")
    return {"lesson": lesson, "member": member}


def assert_accessible(page):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/vendor_static.sh (make install does)")
    # Evaluated, not added as a <script>: the site's Content-Security-Policy (rightly) refuses
    # inline scripts, and the check must not weaken the page it checks.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    # axe files text in the colour of its background under "incomplete", not "violations".
    result = page.evaluate("""async () => {
        const r = await axe.run(document);
        const same = r.incomplete.filter(v => v.id === 'color-contrast' && v.nodes.some(
            n => n.any.some(a => a.data && a.data.messageKey === 'equalRatio')));
        return r.violations.concat(same).map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}));
    }""")
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not serious, f"{page.url}: {serious}"


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("condition not met in time")


def test_member_finds_plays_leaves_and_resumes(live_server, browser_page, output_dir, library_site):
    page = browser_page
    lesson = library_site["lesson"]

    page.goto(live_server.url + "/accounts/login/?next=/")
    page.fill("#id_username", "D2001")
    page.fill("#id_password", PASSWORD)
    page.click("form.members-form button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.screenshot(path=str(output_dir / "1-menu.png"), full_page=True)
    assert_accessible(page)

    # Two taps: the topic, then the course.
    page.click("nav.chips >> text=学党章党规")
    page.wait_for_url("**/?topic=dangzhang")
    assert page.locator(".card").count() == 1
    page.click("text=党员的权利和义务")
    page.wait_for_selector("h1:has-text('党员的权利和义务')")
    assert "已学完 0 / 1 课" in page.inner_text("main")
    assert_accessible(page)
    page.click("text=党员的八项权利")
    page.wait_for_selector("video")
    assert_accessible(page)

    # Play (muted: autoplay without a gesture), speed up, then pause past the 6th second.
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.select_option("#speed", "2")
    assert page.evaluate("document.querySelector('video').playbackRate") == 2
    wait_for(lambda: page.evaluate("document.querySelector('video').currentTime") > 8)
    page.evaluate("document.querySelector('video').pause()")
    stopped_at = page.evaluate("document.querySelector('video').currentTime")
    page.screenshot(path=str(output_dir / "2-lesson.png"), full_page=True)
    page.goto(live_server.url + "/")  # leave

    def saved_position():
        response = page.request.get(f"{live_server.url}/api/v1/progress/{lesson.pk}")
        return response.ok and response.json()["position"]

    saved = wait_for(lambda: (saved_position() or 0) > 5 and saved_position())
    assert abs(saved - stopped_at) < 2.5

    # Back on the lesson (any device): it starts where the member stopped.
    page.goto(live_server.url + lesson.url)
    assert f"#t={int(saved)}" in page.get_attribute("video source", "src")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    resumed = wait_for(lambda: page.evaluate("document.querySelector('video').currentTime"))
    assert resumed >= int(saved) - 0.5

    # Elderly mode: large text and high contrast, kept on the next pages.
    page.click("button.elderly-toggle")
    page.wait_for_selector("body.elderly")
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "22px"
    # Everything grows with the mode, headings and badges too (they are sized in rem).
    assert float(page.evaluate("getComputedStyle(document.querySelector('h1')).fontSize")[:-2]) > 22
    # One player, one big button: the speech track is the player, not a second one beside a video.
    players = page.evaluate("document.querySelectorAll('video, audio').length")
    assert players == 1
    one = "document.querySelector('video, audio')"
    page.evaluate(f"{one}.muted = true")
    page.click("#big-play")
    wait_for(lambda: not page.evaluate(f"{one}.paused"))
    page.click("#big-play")
    assert page.evaluate(f"{one}.paused")
    # One tap on the player itself plays (no first tap that only reveals controls).
    page.click("video, audio", force=True) if page.evaluate(f"{one}.tagName") == "VIDEO" else page.click("#big-play")
    wait_for(lambda: not page.evaluate(f"{one}.paused"))
    page.click("#big-play")
    page.screenshot(path=str(output_dir / "3-elderly-lesson.png"), full_page=True)
    assert_accessible(page)
    page.goto(live_server.url + "/")
    assert page.locator("body.elderly").count() == 1
    page.screenshot(path=str(output_dir / "4-elderly-menu.png"), full_page=True)
    assert_accessible(page)


def test_the_badge_turns_done_without_a_reload_and_the_course_page_knows_it(
        live_server, browser_page, output_dir, library_site):
    """Played to the end: the badge says 已完成 at once; the course page reached by its link
    right after (the last heartbeat answered before leaving) says so too, not 未学习."""
    page = browser_page
    lesson = library_site["lesson"]
    page.goto(live_server.url + "/accounts/login/?next=" + lesson.url)
    page.fill("#id_username", "D2001")
    page.fill("#id_password", PASSWORD)
    page.click("form.members-form button[type=submit]")
    page.wait_for_selector("video")
    assert page.inner_text("#item-state") == "未学习"
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    # The server credits no more than its own clock: the clip plays in real time to its end.
    wait_for(lambda: page.evaluate("document.querySelector('video').ended"), timeout=CLIP_SECONDS + 20)
    wait_for(lambda: page.inner_text("#item-state") == "已完成", timeout=10)
    page.screenshot(path=str(output_dir / "badge-done.png"), full_page=True)
    page.click("nav.crumbs >> text=党员的权利和义务")
    page.wait_for_selector("h1:has-text('党员的权利和义务')")
    main = page.inner_text("main")
    assert "已学完 1 / 1 课" in main and "未学习" not in main
