"""The whole path on real models: an editor makes a disc image and a USB package of a course from
the Wagtail admin, downloads them, a DVD reader (lsdvd) sees the lessons in order, the package
plays from file://, a secretary records a disc delivery as completions; the commands too."""

import ast
import datetime
import io
import json
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command

from lectures.offline import services
from lectures.offline.models import DiscDelivery, OfflineCopy
from members.models import Completion

from .django_helpers import make_course

pytestmark = pytest.mark.slow


def lsdvd(iso):
    out = subprocess.run(["lsdvd", "-x", "-Oy", str(iso)], capture_output=True, check=True).stdout.decode()
    return ast.literal_eval(out[out.index("{"):])


@pytest.fixture
def course(db, offline_clips):
    """A course of three lessons (video 3 s, video 4 s, audio 3 s) and an article."""
    return make_course(offline_clips)


def test_editor_makes_and_downloads_a_disc_image_from_the_admin(
        client, editor, course, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(editor)
    edit = client.get(f"/admin/pages/{course.pk}/edit/")
    assert edit.status_code == 200
    assert "制作光盘镜像" in edit.content.decode() and "制作U盘包" in edit.content.decode()
    form = client.get(f"/admin/offline/new/?kind=disc&page={course.pk}")
    text = form.content.decode()
    assert form.status_code == 200
    assert "第一讲 党章总纲 · 0:03" in text and "第 1 张：3 课，共 0:10" in text
    assert "没有视频" in text  # the article is named as left out
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/offline/new/", {
            "kind": "disc", "page": course.pk, "title": "学党章", "county": "某某县委组织部",
            "standard": "pal", "menu": "autoplay"})
    copy = OfflineCopy.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/offline/{copy.pk}/"
    assert copy.state == OfflineCopy.State.READY, copy.error
    assert [lesson["title"] for lesson in copy.lessons_on_disc(1)] == [
        "第一讲 党章总纲", "第二讲 党的纪律", "第三讲 录音辅导"]
    detail = client.get(f"/admin/offline/{copy.pk}/").content.decode()
    iso_file = copy.files.get(role="iso")
    assert f"/offline/files/{iso_file.pk}/" in detail
    download = client.get(f"/offline/files/{iso_file.pk}/")
    iso = tmp_path / "downloaded.iso"
    iso.write_bytes(b"".join(download.streaming_content))
    title = lsdvd(iso)["track"][0]
    assert title["format"] == "PAL"
    assert [round(chapter["length"]) for chapter in title["chapter"]] == [3, 4, 3]
    assert title["audio"][0]["format"] == "ac3"
    label = client.get(f"/offline/files/{copy.files.get(role='label_pdf').pk}/")
    assert b"".join(label.streaming_content).startswith(b"%PDF-")


def test_usb_package_from_the_admin_plays_from_file_url(
        browser_page, client, editor, course, output_dir, django_capture_on_commit_callbacks):
    # browser_page comes first: Playwright's event loop must start before the test's database
    # transaction, or Django would hand the ORM calls below a second connection.
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/offline/new/", {"kind": "usb", "page": course.pk, "title": "学党章",
                                            "county": "某某县"})
    copy = OfflineCopy.objects.get()
    assert copy.state == OfflineCopy.State.READY, copy.error
    zip_file = copy.files.get(role="zip")
    data = b"".join(client.get(f"/offline/files/{zip_file.pk}/").streaming_content)
    folder = output_dir / "usb"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert [n for n in archive.namelist() if n.endswith((".mp4", ".m4a"))] == [
            "01-第一讲 党章总纲.mp4", "02-第二讲 党的纪律.mp4", "03-第三讲 录音辅导.m4a"]
        assert "01-第一讲 党章总纲.vtt" in archive.namelist()
        archive.extractall(folder)
    browser_page.goto((folder / "index.html").as_uri())
    browser_page.locator("a.lesson").first.click()
    browser_page.wait_for_function("document.getElementById('player').currentTime > 0.5")


def test_mp3_pack_for_old_phones_numbered_mono_mp3s_in_order(
        client, editor, secretary, course, tmp_path, django_capture_on_commit_callbacks):
    """老人机 and 听戏机 read MP3 from a TF card in the order written: 01-讲名.mp3 …, mono speech."""
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/offline/new/", {"kind": "mp3", "page": course.pk, "title": "学党章",
                                            "county": "某某县"})
    copy = OfflineCopy.objects.get()
    assert copy.state == OfflineCopy.State.READY, copy.error
    pack = copy.files.get(role="mp3_zip")
    assert pack.download_name == "学党章-MP3音频.zip"
    client.force_login(secretary)
    assert f"/offline/files/{pack.pk}/" in client.get(course.url).content.decode()
    data = b"".join(client.get(f"/offline/files/{pack.pk}/").streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == ["01-第一讲 党章总纲.mp3", "02-第二讲 党的纪律.mp3", "03-第三讲 录音辅导.mp3"]
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        archive.extractall(tmp_path)
    for number, name in enumerate(names, start=1):
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries",
             "stream=codec_name,channels,sample_rate:format_tags=title,album,track", "-of", "json",
             str(tmp_path / name)], capture_output=True, check=True)
        info = json.loads(probe.stdout)
        stream, tags = info["streams"][0], info["format"]["tags"]
        assert (stream["codec_name"], stream["channels"], stream["sample_rate"]) == ("mp3", 1, "22050")
        assert tags["title"] == name[3:-4] and tags["album"] == "学党章" and tags["track"] == f"{number}/3"


def test_secretary_records_a_delivery_as_completions(client, secretary, member, course, tmp_path):
    copy = services.create_copy(kind="disc", pages=[course])
    assert services.build_copy(copy.pk) == OfflineCopy.State.READY
    copy.refresh_from_db()
    client.force_login(secretary)
    page = client.get(f"/admin/offline/{copy.pk}/").content.decode()
    assert "登记光盘发放" in page and "测试党员" in page
    response = client.post(f"/admin/offline/{copy.pk}/deliveries/", {
        "disc_number": 1, "members": [member.member.pk], "delivered_on": "2024-05-01",
        "place": "村活动室"})
    assert response.status_code == 302
    delivery = DiscDelivery.objects.get()
    assert delivery.member == member.member and delivery.recorded_by == secretary
    completions = Completion.objects.filter(member=member.member).order_by("page_id")
    lesson_ids = [lesson["id"] for lesson in copy.lessons_on_disc(1)]
    assert sorted(completions.values_list("page_id", flat=True)) == sorted(lesson_ids)
    assert {c.how for c in completions} == {"recorded"}
    # Recording the same disc again for the same member changes nothing.
    client.post(f"/admin/offline/{copy.pk}/deliveries/", {
        "disc_number": 1, "members": [member.member.pk], "delivered_on": "2024-05-02"})
    assert DiscDelivery.objects.count() == 1 and completions.count() == len(lesson_ids)
    # A date in the future is refused with a message.
    response = client.post(f"/admin/offline/{copy.pk}/deliveries/", {
        "disc_number": 1, "members": [member.member.pk], "delivered_on": "2999-01-01"})
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()


def test_commands_make_a_disc_and_a_package(course, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("make_disc", str(course.pk), "--output", str(tmp_path / "course.iso"),
                 "--standard", "ntsc", "--menu", stdout=out, stderr=err)
    assert "[" in err.getvalue() and "100%" in err.getvalue()  # the progress bar
    iso = tmp_path / "course.iso"
    title = lsdvd(iso)["track"][0]
    assert title["format"] == "NTSC" and len(title["chapter"]) == 3
    assert (tmp_path / "course-封面.pdf").exists()
    assert str(iso) in out.getvalue()
    url_path = course.url_path.split("/", 2)[2]  # without the site root's slug
    call_command("make_usb_package", "/" + url_path, "--output", str(tmp_path / "course.zip"),
                 stdout=io.StringIO(), stderr=io.StringIO())
    with zipfile.ZipFile(tmp_path / "course.zip") as archive:
        assert "index.html" in archive.namelist()


def test_commands_refuse_lessons_whose_media_is_not_ready(course, offline_clips, tmp_path):
    from .django_helpers import add_pending_lesson

    add_pending_lesson(course, offline_clips, "第四讲 还在转码")
    with pytest.raises(CommandError, match="第四讲 还在转码"):
        call_command("make_disc", str(course.pk), "--output", str(tmp_path / "x.iso"))
    with pytest.raises(services.MediaNotReady):
        services.create_copy(kind="usb", pages=[course])
    assert list(tmp_path.iterdir()) == [] and not OfflineCopy.objects.exists()


def test_demo_hook_makes_both_copies_once(course):
    from lectures.offline.demo import load_demo

    out = io.StringIO()
    load_demo(stdout=out)
    copies = OfflineCopy.objects.order_by("kind")
    assert [(c.kind, c.state) for c in copies] == [("disc", "ready"), ("usb", "ready")]
    load_demo(stdout=out)
    assert OfflineCopy.objects.count() == 2 and "already there" in out.getvalue()


def test_a_long_course_is_planned_on_several_discs_with_a_warning(client, editor, offline_clips):
    from lectures.models import CoursePage, LessonPage

    from .django_helpers import library, ready_media

    course = library().add_child(instance=CoursePage(title="长课程", slug="long"))
    for n in range(1, 4):  # three 2-hour lessons: 6 h, more than one DVD-5 holds at 2 Mb/s
        course.add_child(instance=LessonPage(
            title=f"第{n}讲", slug=f"long{n}", kind="video",
            media=ready_media(f"第{n}讲", offline_clips["wide"], duration=7200.0)))
    client.force_login(editor)
    text = client.get(f"/admin/offline/new/?kind=disc&page={course.pk}").content.decode()
    assert "分成 2 张光盘" in text
    assert "第 1 张：2 课，共 4:00:00" in text and "第 2 张：1 课，共 2:00:00" in text
    err = io.StringIO()
    call_command("make_disc", str(course.pk), "--output", "/tmp/unused.iso", "--plan",
                 stdout=io.StringIO(), stderr=err)
    assert "分成 2 张光盘" in err.getvalue() and "光盘 2: 1 课" in err.getvalue()


def test_playlists_and_single_lessons_resolve_in_order_once(course, offline_clips):
    from lectures.models import CoursePage, LessonPage, PlaylistItem, PlaylistPage

    from .django_helpers import library, ready_media

    other = library().add_child(instance=CoursePage(title="党史故事", slug="dangshi"))
    story = other.add_child(instance=LessonPage(
        title="红船精神", slug="hongchuan", kind="video",
        media=ready_media("红船", offline_clips["wide"], duration=3.0)))
    first, second = list(course.lessons())[:2]
    playlist = library().add_child(instance=PlaylistPage(title="十一月主题党日", slug="nov"))
    PlaylistItem.objects.create(playlist=playlist, lesson=story, sort_order=0)
    PlaylistItem.objects.create(playlist=playlist, lesson=second, sort_order=1)
    pages = [services.find_page("/nov/"), services.find_page(str(first.pk)),
             services.find_page("http://example.org/dangshi/hongchuan/")]
    lessons = services.lessons_for(pages)
    assert [lesson.title for lesson in lessons] == ["红船精神", "第二讲 党的纪律", "第一讲 党章总纲"]
    items, articles = services.offline_lessons(lessons)
    assert [item.course for item in items] == ["党史故事", "学党章", "学党章"]
    assert articles == []


def test_a_set_split_over_two_discs_is_built_as_numbered_isos(course, tmp_path, monkeypatch,
                                                             secretary, member):
    from media_pipeline.core import disc as disc_maker

    # Pretend a disc holds 8 s: the 3 s + 4 s + 3 s lessons need two discs.
    monkeypatch.setattr(disc_maker, "max_seconds_per_disc", lambda **kwargs: 8.0)
    out = io.StringIO()
    call_command("make_disc", str(course.pk), "--output", str(tmp_path / "course.iso"),
                 stdout=out, stderr=io.StringIO())
    assert sorted(p.name for p in tmp_path.glob("*.iso")) == ["course-1.iso", "course-2.iso"]
    assert [round(c["length"]) for c in lsdvd(tmp_path / "course-1.iso")["track"][0]["chapter"]] == [3, 4]
    assert [round(c["length"]) for c in lsdvd(tmp_path / "course-2.iso")["track"][0]["chapter"]] == [3]
    assert (tmp_path / "course-2-封面.pdf").exists()
    # The same split through the task: disc 2's delivery records only its own lesson.
    copy = services.create_copy(kind="disc", pages=[course])
    assert services.build_copy(copy.pk) == OfflineCopy.State.READY
    copy.refresh_from_db()
    assert copy.disc_numbers == [1, 2] and copy.files.filter(role="iso").count() == 2
    assert sorted(copy.files.values_list("download_name", flat=True))[:2] == [
        "学党章-第1张-封面.pdf", "学党章-第1张-封面.png"]
    services.record_delivery(copy=copy, disc_number=2, members=[member.member], date=datetime.date(2024, 5, 1),
                             recorded_by=secretary)
    assert list(Completion.objects.filter(member=member.member).values_list("page_id", flat=True)) == [
        copy.lessons_on_disc(2)[0]["id"]]


def test_a_failed_or_abandoned_build_can_be_made_again(client, editor, course):
    from django.core.files.storage import default_storage
    from django.utils import timezone

    copy = services.create_copy(kind="usb", pages=[course])
    lesson = services.offline_lessons(services.lessons_for([course]))[0][1]
    name = lesson.media.output_name(lesson.output)
    saved = default_storage.open(name, "rb").read()
    default_storage.delete(name)  # the rendition vanished from storage
    assert services.build_copy(copy.pk) == OfflineCopy.State.FAILED
    copy.refresh_from_db()
    assert "制作失败" in copy.error and not copy.files.exists()
    client.force_login(editor)
    assert "重新制作" in client.get(f"/admin/offline/{copy.pk}/").content.decode()
    with default_storage.open(name, "wb") as handle:
        handle.write(saved)
    client.post(f"/admin/offline/{copy.pk}/retry/")
    copy.refresh_from_db()
    assert copy.state == OfflineCopy.State.READY and copy.files.count() == 1
    # A build still reporting progress is not restarted; one silent for long is.
    OfflineCopy.objects.filter(pk=copy.pk).update(state="building", updated_at=timezone.now())
    copy.refresh_from_db()
    assert not copy.can_retry
    client.post(f"/admin/offline/{copy.pk}/retry/")
    copy.refresh_from_db()
    assert copy.state == "building"
    OfflineCopy.objects.filter(pk=copy.pk).update(
        updated_at=timezone.now() - OfflineCopy.STALE_AFTER * 2)
    copy.refresh_from_db()
    assert copy.can_retry


def test_a_lesson_longer_than_a_disc_is_refused_for_discs_only(client, editor, offline_clips):
    from lectures.models import CoursePage, LessonPage

    from .django_helpers import library, ready_media

    course = library().add_child(instance=CoursePage(title="通宵课程", slug="allnight"))
    course.add_child(instance=LessonPage(title="六小时录像", slug="six", kind="video",
                                         media=ready_media("六小时", offline_clips["wide"], duration=6 * 3600.0)))
    client.force_login(editor)
    disc_page = client.get(f"/admin/offline/new/?kind=disc&page={course.pk}").content.decode()
    assert "超过一张光盘能容纳" in disc_page and "开始制作" not in disc_page
    usb_page = client.get(f"/admin/offline/new/?kind=usb&page={course.pk}").content.decode()
    assert "开始制作" in usb_page and "超过" not in usb_page
    response = client.post("/admin/offline/new/", {"kind": "disc", "page": course.pk, "title": "x"})
    assert "超过一张光盘能容纳" in response.content.decode() and not OfflineCopy.objects.exists()
