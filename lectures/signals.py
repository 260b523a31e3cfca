"""Keep each course's lesson count and total length (shown and filtered on in the menu) in step
with its live lessons and their media."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import post_page_move

from lectures.models import CoursePage, LessonPage
from media_pipeline.models import LectureMedia


def refresh_course_at(parent_path):
    course = CoursePage.objects.filter(path=parent_path).first()
    if course is not None:
        course.refresh_totals()


def parent_path_of(page):
    return page.path[: -page.steplen]


@receiver(post_save, sender=LessonPage)
@receiver(post_delete, sender=LessonPage)
def lesson_changed(sender, instance, **kwargs):
    if instance.path:
        refresh_course_at(parent_path_of(instance))


@receiver(post_page_move, sender=LessonPage)
def lesson_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    refresh_course_at(parent_page_before.path)
    refresh_course_at(parent_page_after.path)


@receiver(post_save, sender=LectureMedia)
def media_changed(sender, instance, **kwargs):
    # A media's duration becomes known (or changes) after probing.
    for path in LessonPage.objects.filter(media=instance).values_list("path", flat=True):
        refresh_course_at(path[: -LessonPage.steplen])
