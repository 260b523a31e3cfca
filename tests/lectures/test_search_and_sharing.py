"""The site search (lectures by title, teacher, tags and subtitle words, with Constitution
articles), the Open Graph card of a course and the playlist page."""

import re

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.search.index import insert_or_update_object

from lectures.models import LessonPage, PlaylistItem, PlaylistPage
from search.demo import DATA_DIR
from tests.lectures.test_pages import add_course, library  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SUBTITLES = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
同志们，今天我们学习红船精神。

2
00:00:04.000 --> 00:00:08.000
坚持真理，坚守理想。
"""


def vtt_document():
    document = get_document_model()(title="字幕")
    document.file.save("lesson.vtt", ContentFile(SUBTITLES.encode()), save=True)
    return document


def titles(response):
    return [result.title for result in response.context["results"]]


def test_search_finds_lectures_by_title_teacher_tags_and_subtitle_words(client, library):  # noqa: F811
    course = add_course(library, 1, teacher="县委党校李老师")
    course.title = "党章学习"
    course.tags.add("入党誓词")
    course.save_revision().publish()
    # The worker indexes after the commit; the test's immediate task ran before modelcluster
    # saved the tags, so index again as the worker would.
    insert_or_update_object(course)
    other = add_course(library, 2)
    lesson = other.lessons().first()
    lesson.title = "第一讲"
    lesson.subtitles = vtt_document()
    lesson.save_revision().publish()

    assert "党章学习" in titles(client.get("/search/", {"q": "李老师"}))
    assert "党章学习" in titles(client.get("/search/", {"q": "入党誓词"}))
    # Words only spoken in the subtitles, found through jieba's segmentation of the text.
    assert titles(client.get("/search/", {"q": "红船精神"})) == ["第一讲"]
    assert titles(client.get("/search/", {"q": "量子计算"})) == []


def test_search_also_lists_matching_constitution_articles(client, library):  # noqa: F811
    from search.importer import import_file

    import_file(DATA_DIR / "cpc-constitution-2017.zh.txt", skip_existing=True)
    page = client.get("/search/", {"q": "党员的权利"}).content.decode()
    assert "党章党规条文" in page and "<mark>" in page
    assert "没有找到" in page  # no lecture matches, the articles still do


def test_course_has_an_open_graph_card(client, library):  # noqa: F811
    course = add_course(library, 1, summary="学习党章，做合格党员。")
    page = client.get(course.url, HTTP_HOST="localhost").content.decode()
    assert '<meta property="og:title" content="课程1">' in page
    assert '<meta property="og:description" content="学习党章，做合格党员。">' in page
    # No course poster: the first ready lesson's video poster, as an absolute URL.
    assert re.search(r'<meta property="og:image" content="http://localhost/media/renditions/1/job/poster\.jpg\?e=\d+&amp;s=[-\w]+">', page)


def test_playlist_lists_lessons_across_courses_in_its_order(client, library, member):  # noqa: F811
    first = add_course(library, 1).lessons().first()
    second = add_course(library, 2).lessons().first()
    playlist = library.add_child(instance=PlaylistPage(title="本月主题党日", slug="month"))
    for lesson in (second, first):
        PlaylistItem.objects.create(playlist=playlist, lesson=LessonPage.objects.get(pk=lesson.pk))
    client.force_login(member)
    response = client.get(playlist.url)
    assert [lesson.pk for lesson in response.context["lessons"]] == [second.pk, first.pk]
    assert "已学完 0 / 2 课" in response.content.decode()


def test_menu_has_a_description_and_the_site_an_icon(client, library):  # noqa: F811
    page = client.get("/").content.decode()
    assert '<meta name="description" content="' in page and 'rel="icon"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("dianke/favicon.svg")
