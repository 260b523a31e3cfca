"""The member pages: menu filters and query counts, course and lesson states, resume, the
members-only gate, elderly mode and counted downloads."""

import datetime
import io
import re

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page, Site
from wagtail.signal_handlers import disable_reference_index_auto_update

from lectures.models import CoursePage, LessonDownload, LessonPage, LibraryPage, Topic
from media_pipeline.models import LectureMedia, ProcessingState
from members.services import record_completions, record_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    home = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="dianke"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "site_name": "点课"}
    )
    return home


def ready_media(duration=600.0):
    """A media whose renditions are published (the pipeline's own tests make real ones)."""
    return LectureMedia.objects.create(
        title="录像", file="media/source.mp4", type="video", duration=duration,
        processing_state=ProcessingState.READY, renditions_prefix="renditions/1/job/",
        manifest={"probe": {"duration": duration}, "outputs": [
            {"kind": "mp4", "path": "small.mp4", "width": 640, "height": 360, "bitrate": 300000,
             "bytes": 22_500_000, "duration": duration},
            {"kind": "audio", "path": "audio.m4a", "width": None, "height": None, "bitrate": 32000,
             "bytes": 2_400_000, "duration": duration},
            {"kind": "poster", "path": "poster.jpg", "width": 640, "height": 360, "bitrate": None,
             "bytes": 20_000, "duration": None},
        ]},
    )


def watched(member, lesson, seconds, *, session="s1"):
    """The member played `seconds` of the lesson from its start, in real time (the server credits
    no more than its own clock allows: members.services), ending a minute ago."""
    end = timezone.now() - datetime.timedelta(minutes=1)
    record_heartbeat(member, lesson.pk, session=session, ranges=[], position=0, client_time=0,
                     now=end - datetime.timedelta(seconds=seconds))
    record_heartbeat(member, lesson.pk, session=session, ranges=[[0, seconds]], position=seconds,
                     client_time=seconds, now=end)


def add_course(library, n, *, topic=None, lessons=1, duration=600.0, media=None, **fields):
    course = library.add_child(instance=CoursePage(
        title=f"课程{n}", slug=f"c{n}", topics=[topic] if topic else [], **fields))
    for i in range(lessons):
        course.add_child(instance=LessonPage(title=f"第{i + 1}讲", slug=f"l{i}", kind="video",
                                             media=media or ready_media(duration)))
    return course


def test_menu_queries_do_not_grow_with_the_library(client, library, settings):
    # The search and reference indexes play no part in the menu; skipping them keeps this quick.
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database",
                                                   "AUTO_UPDATE": False}}
    topic = Topic.objects.create(name="党史故事", slug="dangshi")
    with disable_reference_index_auto_update():
        for n in range(10):
            add_course(library, n, topic=topic, lessons=2)
    client.get("/")  # the first request also caches the site
    caches["menu"].clear()  # the grid is rendered again, as after any change to the library
    with CaptureQueriesContext(connection) as ten:
        assert client.get("/").status_code == 200
    shared = ready_media()  # one media for the other 90 courses
    with disable_reference_index_auto_update():
        for n in range(10, 100):
            add_course(library, n, topic=topic, lessons=1 + n % 2, media=shared)
    with CaptureQueriesContext(connection) as hundred:
        response = client.get("/")
    assert response.status_code == 200
    assert len(hundred) == len(ten) <= 12
    page = response.content.decode()
    assert "2 课" in page and "20:00" in page  # two lessons of ten minutes
    assert "1 课" in page and "10:00" in page
    # Once rendered, the grid comes from the cache: only the page's own routing queries remain.
    with CaptureQueriesContext(connection) as cached:
        again = client.get("/").content.decode()
    assert again.count('class="card"') == page.count('class="card"') == 30
    assert len(cached) <= len(hundred) - 3


def test_menu_filters_by_topic_and_length(client, library):
    history = Topic.objects.create(name="党史故事", slug="dangshi")
    rules = Topic.objects.create(name="学党章党规", slug="dangzhang")
    add_course(library, 1, topic=history, duration=300.0)
    add_course(library, 2, topic=rules, duration=3000.0)
    assert [c.title for c in client.get("/?topic=dangshi").context["courses"]] == ["课程1"]
    assert [c.title for c in client.get("/?length=long").context["courses"]] == ["课程2"]
    assert [c.title for c in client.get("/?length=short").context["courses"]] == ["课程1"]
    assert [c.title for c in client.get("/?topic=dangshi&length=long").context["courses"]] == []


def test_my_unfinished_lists_courses_the_member_started(client, library, member):
    started = add_course(library, 1)
    add_course(library, 2)
    lesson = started.lessons().first()
    watched(member.member, lesson, 30)
    client.force_login(member)
    assert [c.title for c in client.get("/?mine=1").context["courses"]] == ["课程1"]


def test_cached_menu_shows_no_member_anything_of_another(library, members_county, member):
    from django.test import Client

    from tests.factories import make_member

    started = add_course(library, 1)
    add_course(library, 2)
    watched(member.member, started.lessons().first(), 30)
    other = make_member(members_county["a"], number="T0002", phone="13800000002", name="另一党员").user
    first, second, visitor = Client(), Client(), Client()
    first.force_login(member)
    second.force_login(other)
    # The member fills the cache, with every filter a visitor could ask for.
    for url in ("/", "/?topic=", "/?sort=newest", "/?mine=1"):
        assert first.get(url).status_code == 200
    assert [c.title for c in first.get("/?mine=1").context["courses"]] == ["课程1"]
    for url in ("/", "/?sort=newest"):
        page = visitor.get(url).content.decode()
        assert "我没学完的" not in page and "我的学习" not in page and "登录" in page
        assert "课程1" in page and "课程2" in page
    mine = second.get("/?mine=1")
    assert list(mine.context["courses"]) == []  # the other member has started nothing
    page = second.get("/").content.decode()
    assert "我没学完的" in page and "mine=1" in page


def test_menu_cache_follows_publishing_and_totals(client, library):
    history = Topic.objects.create(name="党史故事", slug="dangshi")
    course = add_course(library, 1, topic=history)
    assert "课程1" in client.get("/").content.decode()
    cached = client.get("/")
    assert "courses" not in cached.context  # served from the cache
    # A new lesson changes the course's totals (updated without saving the course).
    course.add_child(instance=LessonPage(title="第2讲", slug="l9", kind="video", media=ready_media(60.0)))
    assert "2 课" in client.get("/").content.decode()
    # Published changes, unpublishing, a new course, a renamed topic.
    course.title = "改名的课程"
    course.save_revision().publish()
    assert "改名的课程" in client.get("/").content.decode()
    course.unpublish()
    assert "改名的课程" not in client.get("/").content.decode()
    add_course(library, 2, topic=history)
    history.name = "党史"
    history.save()
    page = client.get("/?topic=dangshi").content.decode()
    assert "课程2" in page and ">党史<" in page
    # Parameters the grid does not know are not cached (their values would end up in its links).
    page = client.get("/?topic=dangshi&utm_source=x%22y").content.decode()
    assert "utm_source=x%22y" in page


def test_course_shows_x_of_y_done_and_lesson_states(client, library, member, secretary):
    course = add_course(library, 1, lessons=3)
    first, second, _ = course.lessons()
    record_completions(page=first, members=[member.member], how="group", set_by=secretary,
                       date=datetime.date.today(), place="村部")
    watched(member.member, second, 30)
    client.force_login(member)
    page = client.get(course.url).content.decode()
    assert "已学完 1 / 3 课" in page
    assert page.count("已完成") == 1 and "学习中" in page and page.count("未学习") == 1


def test_a_course_card_without_a_poster_shows_its_first_video_frame(client, library):
    """Not a "课" placeholder on every card: the first video lesson's poster, small."""
    frame = io.BytesIO()
    PILImage.new("RGB", (640, 360), (200, 30, 30)).save(frame, "JPEG")
    media = ready_media()
    default_storage.save(media.renditions_prefix + "poster.jpg", ContentFile(frame.getvalue()))
    course = add_course(library, 1, media=media)
    course.refresh_from_db()
    first = course.frame_poster
    assert first is not None and first.width == 640
    card = client.get("/").content.decode()
    img = re.search(r'<li class="card">.*?<img[^>]*src="([^"]+)"[^>]*>', card, re.S)
    assert img and "poster-none" not in card and "160" in img.group(0)
    # Re-processed media (a new renditions prefix): a new frame replaces the old one.
    default_storage.save("renditions/1/job2/poster.jpg", ContentFile(frame.getvalue()))
    media.renditions_prefix = "renditions/1/job2/"
    media.save()
    course.refresh_from_db()
    assert course.frame_poster.pk != first.pk and not Image.objects.filter(pk=first.pk).exists()
    # An editor's poster wins; the frame image goes.
    course.poster = Image.objects.create(title="封面", file=ImageFile(io.BytesIO(frame.getvalue()), name="c.jpg"))
    course.save_revision().publish()
    course.refresh_totals()
    course.refresh_from_db()
    assert course.frame_poster is None and Image.objects.count() == 1


def test_menu_shows_the_member_continue_card_and_progress_on_cached_cards(client, library, member,
                                                                          secretary):
    """The grid is cached for everyone; a member's own progress and last lesson are theirs."""
    course = add_course(library, 1, lessons=3)
    other = add_course(library, 2, lessons=1)
    first, second, _ = course.lessons()
    record_completions(page=first, members=[member.member], how="group", set_by=secretary,
                       date=datetime.date.today(), place="村部")
    record_completions(page=other.lessons().first(), members=[member.member], how="group",
                       set_by=secretary, date=datetime.date.today(), place="村部")
    assert "继续学习" not in client.get("/").content.decode()  # anonymous: warms the cache
    client.force_login(member)
    page = client.get("/").content.decode()
    assert "已学 1/3" in page and "已学完</span>" in page
    assert "继续学习" not in page  # nothing in progress yet
    watched(member.member, second, 70)
    page = client.get("/").content.decode()
    card = page[page.index('class="continue"'):]
    assert second.title in card[:400] and "从 1:10 继续" in card[:400]
    assert f'href="{second.url}"' in card[:200]
    client.logout()
    anonymous = client.get("/").content.decode()
    assert "已学" not in anonymous and "继续学习" not in anonymous and "<!--progress" not in anonymous


def test_lesson_resumes_where_the_member_stopped_without_javascript(client, library, member):
    lesson = add_course(library, 1).lessons().first()
    watched(member.member, lesson, 40, session="phone")
    client.force_login(member)
    page = client.get(lesson.url).content.decode()
    # Local media URLs are signed and expire (dianke/media.py): ?e=<expiry>&s=<signature>.
    assert re.search(r'src="/media/renditions/1/job/small\.mp4\?e=\d+&amp;s=[-\w]+#t=40"', page)
    # It says where it resumes and offers the start instead of jumping silently.
    assert "从 0:40 继续" in page and 'href="?t=0">从头播放</a>' in page
    assert "从头播放" not in client.get(lesson.url + "?t=0").content.decode()
    # A chapter link's ?t= wins over the saved position.
    assert re.search(r'small\.mp4\?[^"#]+#t=5"', client.get(lesson.url + "?t=5").content.decode())


def test_lesson_not_ready_says_so_instead_of_a_broken_player(client, library):
    course = add_course(library, 1, lessons=0)
    media = LectureMedia.objects.create(title="新上传", file="media/new.mp4", type="video", duration=60.0)
    lesson = course.add_child(instance=LessonPage(title="新课", slug="new", kind="video", media=media))
    page = client.get(lesson.url).content.decode()
    assert "正在准备中" in page and "<video" not in page


def test_members_only_course_sends_visitors_to_sign_in_and_back(client, library, member):
    course = add_course(library, 1, members_only=True)
    lesson = course.lessons().first()
    for url in (course.url, lesson.url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=" + url
    client.force_login(member)
    assert client.get(lesson.url).status_code == 200


def test_elderly_mode_is_a_csrf_protected_form_kept_in_a_cookie(library):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.post("/settings/elderly/", {"elderly": "1", "next": "/"}).status_code == 403
    client.get("/")
    token = client.cookies["csrftoken"].value
    response = client.post("/settings/elderly/", {"elderly": "1", "next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/"
    assert 'class="elderly' in client.get("/").content.decode()
    response = client.post("/settings/elderly/", {"elderly": "1", "next": "https://evil.example/",
                                                   "csrfmiddlewaretoken": token})
    assert response["Location"] == "/"


def test_downloads_are_for_signed_in_members_and_counted(client, library, member):
    lesson = add_course(library, 1).lessons().first()
    url = f"/lessons/{lesson.pk}/download/mp4/"
    assert client.get(lesson.url).content.decode().count(url) == 0  # not offered to visitors
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(member)
    assert url in client.get(lesson.url).content.decode()
    response = client.get(url)
    assert response.status_code == 302
    assert re.search(r"^/media/renditions/1/job/small\.mp4\?e=\d+&d=.+&s=[-\w]+$", response["Location"])
    assert client.get(f"/lessons/{lesson.pk}/download/audio/").status_code == 302
    assert client.get(f"/lessons/{lesson.pk}/download/hls/").status_code == 404
    assert LessonDownload.objects.filter(lesson=lesson, user=member).count() == 2


def test_no_downloads_where_the_course_offers_none(client, library, member):
    lesson = add_course(library, 1, downloadable=False).lessons().first()
    client.force_login(member)
    assert "download" not in client.get(lesson.url).content.decode()
    assert client.get(f"/lessons/{lesson.pk}/download/mp4/").status_code == 404


def test_menu_leaves_out_courses_without_lessons_and_their_empty_topics(client, library):
    history = Topic.objects.create(name="党史故事", slug="dangshi")
    rules = Topic.objects.create(name="学党章党规", slug="dangzhang")
    add_course(library, 1, topic=history)
    add_course(library, 2, topic=rules, lessons=0)
    response = client.get("/")
    assert [c.title for c in response.context["courses"]] == ["课程1"]
    page = response.content.decode()
    assert "党史故事" in page and "学党章党规" not in page


def test_disc_images_of_a_course_are_offered_to_those_who_may_download_them(client, library, member, editor):
    from django.core.files.base import ContentFile

    from lectures.offline.models import OfflineCopy, OfflineFile

    course = add_course(library, 1)
    lesson = course.lessons().first()
    other = add_course(library, 2)
    copy = OfflineCopy.objects.create(kind=OfflineCopy.Kind.DISC, title="本月党课", page_ids=[lesson.pk],
                                      state=OfflineCopy.State.READY,
                                      contents=[{"disc": 1, "lessons": [{"id": lesson.pk, "title": "第1讲"}]}])
    iso = OfflineFile(copy=copy, role=OfflineFile.Role.ISO, download_name="本月党课.iso", bytes=2048)
    iso.file.save("dvd.iso", ContentFile(b"\0" * 2048), save=True)
    url = f"/offline/files/{iso.pk}/"
    client.force_login(member)
    assert url not in client.get(course.url).content.decode()
    client.force_login(editor)
    assert url in client.get(course.url).content.decode()
    assert url not in client.get(other.url).content.decode()


MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="speech",NAME="普通话",DEFAULT=YES,URI="hls/audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=78099,RESOLUTION=426x240,CODECS="avc1.640015,mp4a.40.2",AUDIO="speech"
hls/240p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=84675,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="speech"
hls/360p/index.m3u8
"""


def test_quality_picker_for_browsers_with_their_own_hls_gets_one_rung_playlists(client, library, member):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    media = ready_media()
    media.manifest["outputs"] += [
        {"kind": "hls-master", "path": "master.m3u8", "width": 640, "height": 360},
        {"kind": "hls-rung", "path": "hls/240p/index.m3u8", "width": 426, "height": 240},
        {"kind": "hls-rung", "path": "hls/360p/index.m3u8", "width": 640, "height": 360},
        {"kind": "hls-rung", "path": "hls/audio/index.m3u8", "width": None, "height": None, "role": "audio"},
    ]
    media.save()
    default_storage.save(media.output_name({"path": "master.m3u8"}), ContentFile(MASTER.encode()))
    course = add_course(library, 1, media=media, members_only=True)
    lesson = course.lessons().first()
    client.force_login(member)
    page = client.get(lesson.url).content.decode()
    low, high = f"/lessons/{lesson.pk}/hls/240.m3u8", f"/lessons/{lesson.pk}/hls/360.m3u8"
    assert f'data-hls-rungs="240={low} 360={high}"' in page
    playlist = client.get(low)
    assert playlist.status_code == 200 and playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    text = playlist.content.decode()
    # Playlists go through the checked playlist view (local URLs are signed, as on S3).
    assert f'URI="/media-hls/{media.pk}/hls/audio/index.m3u8"' in text  # the shared audio stays
    assert f"/media-hls/{media.pk}/hls/240p/index.m3u8" in text
    assert "hls/360p" not in text
    assert client.get(f"/lessons/{lesson.pk}/hls/480.m3u8").status_code == 404
    client.logout()
    assert client.get(low).status_code == 403  # members-only course


def test_a_download_is_saved_under_the_course_and_lesson_name(client, library, member):
    """Phones save an attachment instead of playing it; the name says what it is (RFC 5987)."""
    from urllib.parse import quote

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    lesson = add_course(library, 1).lessons().first()
    lesson.title = "第一讲 党的性质"
    lesson.save_revision().publish()
    default_storage.save("renditions/1/job/audio.m4a", ContentFile(b"m4a bytes"))
    client.force_login(member)
    location = client.get(f"/lessons/{lesson.pk}/download/audio/")["Location"]
    response = client.get(location)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"m4a bytes"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('课程1-第一讲 党的性质.m4a')}" in disposition
    # The name is signed with the rest: another name makes the URL invalid.
    assert client.get(location.replace("%25E7%25AC%25AC", "%25E7%25AC%25AD")).status_code == 404
    default_storage.delete("renditions/1/job/audio.m4a")
