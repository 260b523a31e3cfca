"""Builds real lectures.LessonPage learning items for tests and benchmarks (see members.testing)."""

import itertools

_slugs = itertools.count(1)
COURSE_SLUG = "members-test-course"


def _ensure_wagtail_base():
    """Wagtail's initial rows (locale, root collection, root page): a transactional test's flush
    removes what Wagtail's migrations created."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))


def _library():
    from wagtail.models import Page

    from lectures.models import LibraryPage

    library = LibraryPage.objects.first()
    if library is None:
        _ensure_wagtail_base()
        root = Page.get_first_root_node()
        library = Page.objects.get(pk=root.pk).add_child(
            instance=LibraryPage(title="点课", slug="dianke-members")
        )
    return library


def _course():
    from lectures.models import CoursePage

    course = CoursePage.objects.filter(slug=COURSE_SLUG).first()
    if course is None:
        course = _library().add_child(instance=CoursePage(title="学习记录测试课程", slug=COURSE_SLUG))
    return course


def build_lesson(*, kind, duration, threshold, min_read_seconds, title, parent=None):
    from lectures.models import CoursePage, LessonPage
    from media_pipeline.models import LectureMedia

    # A fresh copy of the parent: treebeard computes the child's path from numchild.
    course = CoursePage.objects.get(pk=parent.pk) if parent is not None else _course()
    n = next(_slugs)
    media = None
    if kind in ("video", "audio"):
        # bulk_create: a ready-made record, no upload processing queued for a file that is not there.
        (media,) = LectureMedia.objects.bulk_create(
            [LectureMedia(title=title, file=f"media/members-test-{n}.mp4", type=kind,
                          duration=float(duration))]
        )
    return course.add_child(
        instance=LessonPage(
            title=title,
            slug=f"members-lesson-{n}",
            kind=kind,
            media=media,
            completion_threshold=threshold,
            read_seconds_override=min_read_seconds if kind == "article" else None,
        )
    )
