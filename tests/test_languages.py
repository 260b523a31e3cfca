"""Simplified Chinese first, English available: from the browser's language or the footer switch."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import trim_whitespace
from wagtail.models import Page, Site

from lectures.models import CoursePage, LessonPage, LibraryPage, Topic
from media_pipeline.models import LectureMedia

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    page = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="dk"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": page})
    return page


def test_chinese_by_default(client, home):
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page and "搜索" in page and "大字模式" in page


def test_english_for_an_english_browser(client, home):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en">' in page and ">Search<" in page and "Large text (for elderly members)" in page


def test_the_footer_switches_language_and_keeps_it(client, home):
    # Each language is offered in its own name: a member who reads only English finds "English".
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Sign in" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="zh-hans">简体中文</button>' in client.get("/").content.decode()


# ---- the catalogue: Chinese msgids, each with its English (README: Chinese first) ----------

REPO = Path(__file__).resolve().parents[1]
PO = REPO / "locale/en/LC_MESSAGES/django.po"
CODE_DIRS = ("lectures", "media_pipeline", "members", "search", "site", "branch_life", "quizzes", "supervision")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# msgids that may have no Chinese character, each with why. Empty: "NTSC" became
# "NTSC（北美、日本等地电视制式）" beside "PAL（中国电视制式）". Add a true proper noun or a bare
# format string here (e.g. "%(count)s": nothing to translate) rather than an English word.
NOT_CHINESE = {}
GETTEXT = {  # function name -> (index of msgctxt or None, index of msgid, index of msgid_plural)
    **dict.fromkeys(["_", "gettext", "gettext_lazy", "gettext_noop"], (None, 0, None)),
    **dict.fromkeys(["ngettext", "ngettext_lazy"], (None, 0, 1)),
    **dict.fromkeys(["pgettext", "pgettext_lazy"], (0, 1, None)),
    **dict.fromkeys(["npgettext", "npgettext_lazy"], (0, 1, 2)),
}


def read_po(path):
    """[{"msgctxt", "msgid", "msgid_plural", "msgstr": [...], "fuzzy"}] of a .po, header left out."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields, key, fuzzy = {}, None, False
        for line in block.splitlines():
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr")):
                key, _, value = line.partition(" ")
                fields[key] = ast.literal_eval(value)
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
            elif line.startswith("#~"):
                pytest.fail(f"obsolete entry left in {path.name}: {line}")
        if fields.get("msgid"):
            entries.append({
                "msgctxt": fields.get("msgctxt", ""), "msgid": fields["msgid"],
                "msgid_plural": fields.get("msgid_plural"), "fuzzy": fuzzy,
                "msgstr": [v for k, v in sorted(fields.items()) if k.startswith("msgstr")],
            })
    return entries


def strings_in_python():
    """(msgctxt, msgid, msgid_plural, where) of every gettext call with literal strings."""
    found = []
    for directory in CODE_DIRS:
        for path in sorted((REPO / directory).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in GETTEXT:
                    continue
                literal = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                           for a in node.args]
                ctx, msgid, plural = (literal[i] if i is not None and i < len(literal) else None
                                      for i in GETTEXT[name])
                if msgid is not None:
                    found.append((ctx or "", msgid, plural, f"{path.relative_to(REPO)}:{node.lineno}"))
    return found


TRANS = re.compile(r"""\{%\s*(?:trans|translate)\s+(["'])(.*?)\1(?:\s+context\s+(["'])(.*?)\3)?[^%]*%\}""")
BLOCKTRANS = re.compile(r"\{%\s*(blocktrans|blocktranslate)\b(.*?)%\}(.*?)\{%\s*end\1\s*%\}", re.S)
UNDERSCORE = re.compile(r"""\b_\((["'])(.*?)\1\)""")


def strings_in_templates():
    """(msgctxt, msgid, msgid_plural, where) of every {% translate %}, {% blocktranslate %} and
    _("…") in templates/, as makemessages writes them."""
    def as_msgid(text, trimmed):
        text = trim_whitespace(text) if trimmed else text
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", text.replace("%", "%%"))

    found = []
    for path in sorted((REPO / "templates").rglob("*.html")):
        text, where = path.read_text(encoding="utf-8"), str(path.relative_to(REPO))
        for match in TRANS.finditer(text):
            found.append((match[4] or "", match[2], None, where))
        for match in UNDERSCORE.finditer(text):
            found.append(("", match[2], None, where))
        for match in BLOCKTRANS.finditer(text):
            options, trimmed = match[2], re.search(r"\btrimmed\b", match[2])
            context = re.search(r"""\bcontext\s+(["'])(.*?)\1""", options)
            singular, _, plural = match[3].partition("{% plural %}")
            found.append((context[2] if context else "", as_msgid(singular, trimmed),
                          as_msgid(plural, trimmed) if plural else None, where))
    return found


def test_every_msgid_is_chinese_and_has_its_english():
    entries = read_po(PO)
    assert len(entries) > 300
    not_chinese = [e["msgid"] for e in entries if not CJK.search(e["msgid"]) and e["msgid"] not in NOT_CHINESE]
    assert not_chinese == [], "msgids must be Simplified Chinese (the English goes in the msgstr)"
    no_english = [e["msgid"] for e in entries if e["fuzzy"] or not all(e["msgstr"]) or not e["msgstr"]]
    assert no_english == [], "fuzzy or empty English in locale/en"


def test_every_string_of_the_code_and_templates_is_chinese_and_in_the_catalogue():
    """A cheap check that locale/en is up to date (`make messages` re-extracts it)."""
    code = strings_in_python() + strings_in_templates()
    assert len(code) > 300
    not_chinese = [(msgid, where) for _ctx, msgid, _plural, where in code
                   if not CJK.search(msgid) and msgid not in NOT_CHINESE]
    assert not_chinese == []
    catalogue = {(e["msgctxt"], e["msgid"]): e["msgid_plural"] for e in read_po(PO)}
    missing = [(ctx, msgid, where) for ctx, msgid, plural, where in code
               if catalogue.get((ctx, msgid), "missing") != plural]
    assert missing == [], "strings missing from locale/en/LC_MESSAGES/django.po: run make messages"
    obsolete = set(catalogue) - {(ctx, msgid) for ctx, msgid, _plural, _where in code}
    assert obsolete == set(), "entries of locale/en no longer in the code: run make messages"


def test_the_compiled_catalogue_is_the_po():
    with (PO.with_suffix(".mo")).open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    for entry in read_po(PO):
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if entry["msgctxt"] else entry["msgid"]
        if entry["msgid_plural"] is None:
            assert compiled.get(key) == entry["msgstr"][0], f"django.mo is stale: {key!r}"
        else:
            for index, text in enumerate(entry["msgstr"]):
                assert compiled.get((key, index)) == text, f"django.mo is stale: {key!r}"


def test_model_names_are_chinese_with_english_singular_and_plural():
    from django.apps import apps

    with translation.override("zh-hans"):
        assert str(LectureMedia._meta.verbose_name) == str(LectureMedia._meta.verbose_name_plural) == "课程媒体"
        assert str(Topic._meta.verbose_name) == str(Topic._meta.verbose_name_plural) == "专题"
        assert str(LectureMedia._meta.get_field("processing_state").verbose_name) == "转码状态"
        for model in apps.get_models():
            if model.__module__.split(".")[0] in CODE_DIRS + ("dianke",) and CJK.search(str(model._meta.verbose_name)):
                # Django's default plural would be the Chinese name plus "s".
                assert str(model._meta.verbose_name_plural) == str(model._meta.verbose_name), model
    with translation.override("en"):
        assert str(LectureMedia._meta.verbose_name) == str(LectureMedia._meta.verbose_name_plural) == "lecture media"
        assert (str(Topic._meta.verbose_name), str(Topic._meta.verbose_name_plural)) == ("topic", "topics")
        assert (str(CoursePage._meta.verbose_name), str(CoursePage._meta.verbose_name_plural)) == ("course", "courses")
        assert (str(LessonPage._meta.verbose_name), str(LessonPage._meta.verbose_name_plural)) == ("lesson", "lessons")
        assert str(LectureMedia._meta.get_field("processing_percent").verbose_name) == "percent done"


def test_the_admin_speaks_each_editors_language(client, home, admin_user):
    """Wagtail's admin follows the editor's language setting: the media listing, the topics'
    listing and a lesson's form are Chinese for a Chinese editor and English for an English one."""
    from django.urls import reverse
    from wagtail.users.models import UserProfile

    course = home.add_child(instance=CoursePage(title="党章学习", slug="dzxx"))
    LectureMedia.objects.create(title="第一讲", file="media/x.mp4", type="video")
    Topic.objects.create(name="学党章党规", slug="dz")
    client.force_login(admin_user)
    pages = {
        "media": reverse("wagtailmedia:index"),
        "topics": reverse("wagtailsnippets_lectures_topic:list"),
        "lesson": reverse("wagtailadmin_pages:add", args=("lectures", "lessonpage", course.pk)),
    }
    expected = {
        "zh-hans": {"media": ["转码状态", "标题", "上传时间", "等待处理"], "topics": ["专题", "菜单排序"],
                    "lesson": ["需看完的比例", "最短阅读时间（秒）", "完成标准", "字幕（.vtt）", "章节", "附件"]},
        "en": {"media": ["Processing state", "Title", "Uploaded"], "topics": ["Topics", "Order in the menu"],
               "lesson": ["Share to watch", "Minimum reading time (s)", "What counts as completed",
                          "Subtitles (.vtt)", "Chapters", "Attachments"]},
    }
    profile = UserProfile.get_for_user(admin_user)
    for language in ("zh-hans", "en"):
        profile.preferred_language = language
        profile.save()
        other = expected["en" if language == "zh-hans" else "zh-hans"]
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, (language, url)
            html = response.content.decode()
            assert [text for text in expected[language][name] if text not in html] == [], (language, name)
            if language == "zh-hans":
                assert [text for text in other[name] if text in html] == [], name
