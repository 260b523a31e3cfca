"""manage.py import_library on a folder of 3 generated recordings + a CSV: topics, courses and
lessons created and ordered, transcodes queued (and run by the immediate backend), failures
reported with exit status 1, and a stopped import re-run without duplicating anything."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Page

from lectures import library_import
from lectures.models import CoursePage, LessonPage, LibraryPage, Topic
from media_pipeline.core.samples import make_audio, make_video
from media_pipeline.models import LectureMedia, ProcessingState

pytestmark = pytest.mark.django_db

CSV = """topic,course,lesson_order,lesson_title,teacher,file,summary
党章党规,学习新党章,2,第二讲 党员的权利和义务,张老师,党章/第二讲 (补充).mp4,八项义务和八项权利。
党章党规,学习新党章,1,第一讲 党章的由来,张老师,党章/第一讲.mp4,党章的历史沿革。
理论学习,二十大报告导读,1,报告导读（录音）,李老师,报告/导读录音.m4a,录音版。
理论学习,二十大报告导读,2,缺失的一讲,李老师,报告/不存在.mp4,
理论学习,二十大报告导读,3,越界的一讲,李老师,../外面.mp4,
"""


@pytest.fixture(scope="module")
def library_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("county-library")
    make_video(folder / "党章" / "第一讲.mp4", seconds=2, width=320, height=180, text="第一讲")
    make_video(folder / "党章" / "第二讲 (补充).mp4", seconds=2, width=320, height=180, text="第二讲")
    make_audio(folder / "报告" / "导读录音.m4a", seconds=2)
    (folder.parent / "外面.mp4").write_bytes(b"outside")
    (folder / "courses.csv").write_text(CSV, encoding="utf-8-sig")  # as Excel saves it
    return folder


@pytest.fixture
def library():
    root = Page.get_first_root_node()
    return root.add_child(instance=LibraryPage(title="点课", slug="dianke-library"))


def run_import(folder, *args):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_library", str(folder), "--manifest", str(folder / "courses.csv"),
                     *args, stdout=out, stderr=err)
    return exit_info.value.code, out.getvalue(), err.getvalue()


def snapshot():
    return {
        "topics": sorted(Topic.objects.values_list("name", flat=True)),
        "courses": sorted(CoursePage.objects.values_list("title", flat=True)),
        "lessons": sorted(LessonPage.objects.values_list("title", flat=True)),
        "media": LectureMedia.objects.count(),
    }


def test_import_stop_and_rerun_without_duplicates(library_folder, library, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    # 1. The first lesson's file is not there yet, and the run is stopped (Ctrl-C) after the
    #    second row: what was done so far is kept, as drafts.
    first = library_folder / "党章" / "第一讲.mp4"
    first.rename(first.with_suffix(".later"))
    real_import_row = library_import.import_row
    calls = {"n": 0}

    def stop_at_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_import_row(*args, **kwargs)

    monkeypatch.setattr(library_import, "import_row", stop_at_third)
    with django_capture_on_commit_callbacks(execute=True):
        code, out, err = run_import(library_folder)
    assert code == 130 and "run the same command again" in err
    assert snapshot() == {"topics": ["党章党规"], "courses": ["学习新党章"],
                          "lessons": ["第二讲 党员的权利和义务"], "media": 1}
    assert not LessonPage.objects.get().live  # a draft without --publish
    monkeypatch.undo()
    first.with_suffix(".later").rename(first)

    # 2. The full run, publishing: the rest is created, the first lesson is published, not copied.
    with django_capture_on_commit_callbacks(execute=True):
        code, out, err = run_import(library_folder, "--publish")
    assert code == 1  # two rows failed
    expected = {
        "topics": ["党章党规", "理论学习"],
        "courses": ["二十大报告导读", "学习新党章"],
        "lessons": ["报告导读（录音）", "第一讲 党章的由来", "第二讲 党员的权利和义务"],
        "media": 3,
    }
    assert snapshot() == expected
    assert "created: 1 topics, 1 courses, 2 lessons, 2 media" in out
    assert "already there: 1 topics, 1 courses, 1 lessons, 1 media" in out
    assert "transcodes queued: 2" in out
    assert "2 row(s) failed" in out
    assert "line 5: 报告/不存在.mp4: 找不到文件" in out
    assert "line 6: ../外面.mp4: 文件“../外面.mp4”不在导入文件夹内" in out
    assert "5/5" in err  # the progress bar reached the end

    course = CoursePage.objects.get(title="学习新党章")
    # Lesson 1, imported after lesson 2, was put before it (CSV order = admin order).
    assert [lesson.title for lesson in course.lessons()] == ["第一讲 党章的由来", "第二讲 党员的权利和义务"]
    assert course.live and course.teacher == "张老师"
    assert list(course.topics.values_list("name", flat=True)) == ["党章党规"]
    audio_lesson = LessonPage.objects.get(title="报告导读（录音）")
    assert audio_lesson.kind == "audio" and audio_lesson.summary == "录音版。"
    for media in LectureMedia.objects.all():
        assert media.processing_state == ProcessingState.READY, (media.title, media.processing_error)
        assert media.source_key.endswith(f":{media.file.size}")
    assert audio_lesson.media.playback()["audio"] and audio_lesson.media.playback()["mp4"] is None

    # 3. Again: nothing new, nothing queued (every media keeps its job).
    jobs = dict(LectureMedia.objects.values_list("pk", "processing_job"))
    with django_capture_on_commit_callbacks(execute=True):
        code, out, err = run_import(library_folder, "--publish")
    assert code == 1 and snapshot() == expected
    assert "created: 0 topics, 0 courses, 0 lessons, 0 media" in out
    assert "already there: 2 topics, 2 courses, 3 lessons, 3 media" in out
    assert "transcodes queued: 0" in out
    assert dict(LectureMedia.objects.values_list("pk", "processing_job")) == jobs


def test_bad_manifest_is_refused_clearly(library, tmp_path):
    (tmp_path / "courses.csv").write_text("课程,文件\n学习新党章,a.mp4\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="清单缺少这些列：course, lesson_title, file"):
        call_command("import_library", str(tmp_path), "--manifest", str(tmp_path / "courses.csv"))


def test_gb18030_manifest_and_bad_order(library_folder, library, tmp_path):
    csv_path = tmp_path / "courses.csv"
    csv_path.write_bytes("course,lesson_order,lesson_title,file\n学习新党章,一,第一讲,x.mp4\n".encode("gb18030"))
    rows, problems = library_import.read_manifest(csv_path)
    assert rows == [] and "第 2 行缺少或填错：lesson_order（须为整数）" in problems[0][1]
