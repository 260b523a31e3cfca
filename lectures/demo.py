"""The demo library: the menu as the site's home page, four topics, a handful of courses whose
lessons are short generated clips (slides with Chinese text and Mandarin speech), an article
lesson, an audio lesson and this month's 主题党日 playlist. Idempotent: pages are found by slug,
media by their source key; transcodes are queued for the task worker."""

import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from wagtail.models import Page, Site

from lectures.models import CoursePage, LessonPage, LibraryPage, PlaylistItem, PlaylistPage, Topic
from media_pipeline.core.samples import make_audio, make_video
from media_pipeline.models import LectureMedia
from members.demo_plan import load_demo_plan

TOPICS = [
    ("学党章党规", "dangzhang-danggui", "逐条学习党章和党内法规"),
    ("学系列讲话", "xilie-jianghua", "学习系列讲话精神"),
    ("做合格党员", "hege-dangyuan", "对照标准，做合格党员"),
    ("党史故事", "dangshi-gushi", "讲好党的历史故事"),
]

# (slug, title, teacher, topic slug, summary, lessons); a lesson is (slug, title, kind, text)
COURSES = [
    ("dangzhang-zonggang", "党章总纲导读", "县委党校 李老师", "dangzhang-danggui",
     "用三讲读懂党章总纲：党的性质、宗旨和指导思想。", [
         ("di-yi-jiang", "第一讲 党的性质和宗旨", "video", "中国共产党是中国工人阶级的先锋队"),
         ("di-er-jiang", "第二讲 党的指导思想", "video", "坚持实事求是，坚持群众路线"),
         ("zonggang-yuanwen", "学习材料：党章总纲原文", "article", None),
     ]),
    ("dangyuan-quanli-yiwu", "党员的权利和义务", "县委党校 王老师", "dangzhang-danggui",
     "党章第三条、第四条逐条讲解。", [
         ("yiwu", "党员的八项义务", "video", "党员必须履行八项义务"),
         ("quanli", "党员的八项权利", "video", "党员享有八项权利"),
     ]),
    ("hege-dangyuan-biaozhun", "合格党员的标准", "乡镇党委 张书记", "hege-dangyuan",
     "讲政治有信念，讲规矩有纪律，讲道德有品行，讲奉献有作为。", [
         ("sijiang-sixiang", "四讲四有", "video", "讲政治有信念，讲规矩有纪律"),
     ]),
    ("dangke-luyin", "村党支部书记讲党课（录音）", "河西村 赵书记", "xilie-jianghua",
     "一堂在村部录制的党课录音，适合只听声音。", [
         ("luyin", "党课录音：不忘初心", "audio", "不忘初心，牢记使命"),
     ]),
    ("hongchuan-gushi", "红船的故事", "县党史办 陈老师", "dangshi-gushi",
     "从嘉兴南湖红船讲起。", [
         ("nanhu-hongchuan", "南湖红船", "video", "一九二一年，嘉兴南湖"),
     ]),
]

ARTICLE_BODY = (
    "<p>中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队，是中国特色社会主义事业的"
    "领导核心，代表中国先进生产力的发展要求，代表中国先进文化的前进方向，代表中国最广大人民的根本利益。"
    "党的最高理想和最终目标是实现共产主义。</p>"
    "<p>中国共产党以马克思列宁主义、毛泽东思想、邓小平理论、“三个代表”重要思想、科学发展观、"
    "习近平新时代中国特色社会主义思想作为自己的行动指南。</p>"
)
CLIP_SECONDS = 8
COLOURS = ["0xb71c1c", "0x0d47a1", "0x1b5e20", "0x4a148c", "0xbf360c", "0x263238"]


def load_demo(*, stdout):
    library = _library()
    topics = {slug: _topic(name, slug, description, order) for order, (name, slug, description) in enumerate(TOPICS)}
    first_lessons = []
    with tempfile.TemporaryDirectory(prefix="dianke-demo-") as workdir:
        for index, (slug, title, teacher, topic, summary, lessons) in enumerate(COURSES):
            course = _course(library, slug, title, teacher, topics[topic], summary)
            for number, (lesson_slug, lesson_title, kind, text) in enumerate(lessons):
                lesson = _lesson(course, lesson_slug, lesson_title, kind, text, teacher,
                                 Path(workdir), COLOURS[(index + number) % len(COLOURS)])
                if number == 0:
                    first_lessons.append(lesson)
    _playlist(library, first_lessons[:3])
    stdout.write(f"  lectures: {CoursePage.objects.live().count()} courses, "
                 f"{LessonPage.objects.live().count()} lessons; transcodes queued for the worker")
    load_demo_plan(LessonPage.objects.live().order_by("path"), stdout=stdout)


def _library():
    library = LibraryPage.objects.first()
    if library is None:
        root = Page.get_first_root_node()
        library = root.add_child(instance=LibraryPage(
            title="点课：党员学习课程库", slug="dianke",
            intro="<p>像点菜一样点课：选专题、选课程，随时随地学习。</p>",
        ))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=library, is_default_site=True,
                            site_name="点课")
    elif site.root_page_id != library.pk:
        old_root = site.root_page
        site.root_page = library
        site.site_name = "点课"
        site.save()
        # Wagtail's placeholder "Welcome" page is replaced by the library.
        if old_root.specific_class is Page and old_root.depth == 2 and not old_root.get_children().exists():
            old_root.delete()
    return library


def _topic(name, slug, description, order):
    topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name": name, "description": description,
                                                                "sort_order": order})
    return topic


def _course(library, slug, title, teacher, topic, summary):
    course = CoursePage.objects.child_of(library).filter(slug=slug).first()
    if course is None:
        course = library.add_child(instance=CoursePage(title=title, slug=slug, teacher=teacher, summary=summary))
        course.topics.add(topic)
        course.save_revision().publish()
    return course


@transaction.atomic
def _lesson(course, slug, title, kind, text, teacher, workdir, colour):
    lesson = LessonPage.objects.child_of(course).filter(slug=slug).first()
    if lesson is not None:
        return lesson
    media = None
    if kind in ("video", "audio"):
        media = _media(f"demo:{course.slug}/{slug}", title, kind, text, workdir, colour)
    lesson = course.add_child(instance=LessonPage(
        title=title, slug=slug, kind=kind, teacher=teacher, media=media,
        summary=f"{course.title} · {title}",
        body=ARTICLE_BODY if kind == "article" else "",
    ))
    return lesson


def _media(source_key, title, kind, text, workdir, colour):
    media = LectureMedia.objects.filter(source_key=source_key).first()
    if media is not None:
        return media
    if kind == "video":
        path = make_video(workdir / (_file_stem(source_key) + ".mp4"), seconds=CLIP_SECONDS, text=title,
                          body=text, audio="speech", color=colour)
    else:
        path = make_audio(workdir / (_file_stem(source_key) + ".m4a"), seconds=CLIP_SECONDS, text=text)
    with path.open("rb") as handle:
        media = LectureMedia(title=title, type=kind, duration=float(CLIP_SECONDS), source_key=source_key)
        media.file.save(f"demo-{path.name}", File(handle), save=False)
        media.save()
    return media


def _playlist(library, lessons):
    playlist = PlaylistPage.objects.child_of(library).filter(slug="zhuti-dangri").first()
    if playlist is not None:
        return playlist
    playlist = library.add_child(instance=PlaylistPage(
        title="本月主题党日学习清单", slug="zhuti-dangri", summary="主题党日前请学完以下内容。"))
    for order, lesson in enumerate(lessons):
        PlaylistItem.objects.create(playlist=playlist, lesson=lesson, sort_order=order)
    return playlist


def _file_stem(source_key):
    return source_key.removeprefix("demo:").replace("/", "-")
