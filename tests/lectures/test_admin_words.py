"""The admin in Chinese where Wagtail's own catalogue or migrations leave English (issue 21):
the default workflow and the root collection get Chinese names, the strings Wagtail's zh_Hans
catalogue lacks come from locale/zh_Hans."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Collection, Workflow

from tests.factories import make_lesson

pytestmark = pytest.mark.django_db


def test_the_dashboard_and_a_lesson_form_speak_chinese(client, editor):
    lesson = make_lesson(kind="video", title="第一讲 党章总纲")
    client.force_login(editor)
    home = client.get("/admin/").content.decode()
    assert "Search all pages" not in home and "搜索全部页面" in home
    assert re.search(r"\d+ 个页面", home) and not re.search(r"\d+ Pages?\b", home)
    edit = client.get(f"/admin/pages/{lesson.pk}/edit/").content.decode()
    assert "Moderators approval" not in edit and "审核发布" in edit


def test_wagtail_defaults_renamed_by_the_migration():
    assert set(Workflow.objects.values_list("name", flat=True)) == {"审核发布"}
    assert Collection.get_first_root_node().name == "全部文件"


@pytest.mark.parametrize("english, chinese", [
    ("Saved", "已保存"), ("Privacy and access", "隐私与访问"), ("Search all pages…", "搜索全部页面…")])
def test_strings_wagtail_leaves_in_english(english, chinese):
    with translation.override("zh-hans"):
        assert gettext(english) == chinese
        # "批准 和发布" had a stray space.
        assert gettext("%(label)s and Publish") % {"label": "批准"} == "批准并发布"
