"""The lectures side of a bulk import: topics (snippets), course pages under the library and lesson
pages, each found again before anything is created (see library_import.py). Pages are kept as
drafts with a revision for editors to review, or published with --publish."""

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from lectures.models import CoursePage, LessonKind, LessonPage, LibraryPage, Topic
from media_pipeline.models import LectureMedia


def library():
    page = LibraryPage.objects.first()
    if page is None:
        raise ValidationError("还没有课程库首页：请先在后台创建（或运行 manage.py load_demo）。")
    return page


def topic(name, report):
    found = Topic.objects.filter(name=name).first()
    if found:
        return report.note("topic", found, created=False)
    base = slugify(name, allow_unicode=True) or "topic"
    slug, n = base, 1
    while Topic.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return report.note("topic", Topic.objects.create(name=name, slug=slug), created=True)


def _save(page, *, publish):
    revision = page.save_revision()
    if publish:
        revision.publish()


def course(library_page, title, topic_obj, teacher, report, *, publish):
    found = CoursePage.objects.child_of(library_page).filter(title=title).first()
    if found is None:
        page = CoursePage(title=title, teacher=teacher, live=publish)
        if topic_obj:
            page.topics = [topic_obj]
        library_page.add_child(instance=page)
        _save(page, publish=publish)
        return report.note("course", page, created=True)
    page = report.note("course", found.specific, created=False)
    changed = False
    if topic_obj and not page.topics.filter(pk=topic_obj.pk).exists():
        page.topics.add(topic_obj)
        page.save()
        changed = True
    if changed or (publish and not page.live):
        _save(page, publish=publish or page.live)
    return page


def lesson(course_page, row, media, report, *, publish, rows=()):
    """The lesson whose media is `media`; created as the row says when there is none."""
    found = LessonPage.objects.filter(media=media).first()
    if found is not None:
        report.note("lesson", found, created=False)
        if publish and not found.live:
            _save(found.specific, publish=True)
        return found
    page = LessonPage(
        title=row.lesson_title,
        kind=LessonKind.AUDIO if media.type == "audio" else LessonKind.VIDEO,
        media=media,
        teacher=row.teacher,
        summary=row.summary,
        live=publish,
    )
    course_page.add_child(instance=page)
    _save(page, publish=publish)
    report.note("lesson", page, created=True)
    _put_in_order(page, row, rows, course_page)
    return page


def _put_in_order(page, row, rows, course_page):
    """Children of a course are ordered by path (the admin order): a lesson added on a later run
    goes just before the first existing sibling whose CSV order is larger."""
    if row.lesson_order is None:
        return
    later = sorted(
        (other.lesson_order, other.source_key)
        for other in rows
        if other.course == row.course and other.lesson_order is not None
        and other.lesson_order > row.lesson_order and getattr(other, "source_key", None)
    )
    for _order, key in later:
        sibling = LessonPage.objects.child_of(course_page).filter(
            media__in=LectureMedia.objects.filter(source_key=key)
        ).first()
        if sibling is not None:
            page.move(sibling, pos="left")
            return
