import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page

from lectures.models import CoursePage, LessonPage, LibraryPage, PlaylistItem, PlaylistPage, Topic
from media_pipeline.models import LectureMedia

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    return Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="dianke"))


@pytest.fixture
def course(library):
    topic = Topic.objects.create(name="学党章党规", slug="dangzhang")
    course = library.add_child(instance=CoursePage(title="党章第一讲", slug="c1", teacher="王老师"))
    course.topics.add(topic)
    course.save_revision().publish()
    return course


def make_media(duration):
    return LectureMedia.objects.create(title="录像", file="media/x.mp4", type="video", duration=duration)


def test_lessons_expose_the_learning_item_contract(course):
    video = course.add_child(instance=LessonPage(title="视频", kind="video", media=make_media(600.0)))
    article = course.add_child(instance=LessonPage(title="文章", kind="article", body="<p>" + "党" * 800 + "</p>"))
    assert (video.learning_kind, video.learning_duration, video.completion_threshold) == ("video", 600.0, 0.9)
    assert article.learning_duration is None
    # 800 characters at 400 a minute take 120 s to read; half of that is the minimum dwell.
    assert article.min_read_seconds == 60
    article.read_seconds_override = 30
    assert article.min_read_seconds == 30
    assert [lesson.title for lesson in course.lessons()] == ["视频", "文章"]


def test_unpublished_lessons_are_not_in_the_course(course):
    lesson = course.add_child(instance=LessonPage(title="草稿", kind="article", live=False))
    assert lesson not in list(course.lessons())


def test_a_live_video_lesson_needs_its_media(course):
    lesson = LessonPage(title="无视频", kind="video", slug="novideo")
    course.add_child(instance=LessonPage(title="占位", kind="article"))
    with pytest.raises(ValidationError) as error:
        course.add_child(instance=lesson)
    assert "media" in error.value.message_dict


def test_playlist_keeps_its_order_across_courses(library, course):
    other = library.add_child(instance=CoursePage(title="党史故事", slug="c2"))
    first = other.add_child(instance=LessonPage(title="甲", kind="article"))
    second = course.add_child(instance=LessonPage(title="乙", kind="article"))
    playlist = library.add_child(instance=PlaylistPage(title="十一月主题党日", slug="nov"))
    PlaylistItem.objects.create(playlist=playlist, lesson=second, sort_order=0)
    PlaylistItem.objects.create(playlist=playlist, lesson=first, sort_order=1)
    assert [lesson.title for lesson in playlist.lessons()] == ["乙", "甲"]


def test_course_totals_follow_lessons_and_media(course):
    media = make_media(600.0)
    first = course.add_child(instance=LessonPage(title="一", kind="video", media=media))
    course.add_child(instance=LessonPage(title="二", kind="video", media=make_media(300.0)))
    course.refresh_from_db()
    assert (course.lesson_count, course.total_seconds) == (2, 900.0)
    media.duration = 660.0  # known more precisely after probing
    media.save()
    course.refresh_from_db()
    assert course.total_seconds == 960.0
    first.unpublish()
    course.refresh_from_db()
    assert (course.lesson_count, course.total_seconds) == (1, 300.0)
    first.delete()
    course.refresh_from_db()
    assert course.lesson_count == 1
