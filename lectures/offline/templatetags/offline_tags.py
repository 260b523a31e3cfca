"""What the course page shows of offline copies: lectures' pages load these tags, so the course
library needs no import of lectures.offline (which sits above it)."""

from django import template

from lectures.offline import permissions
from lectures.offline.models import OfflineCopy, OfflineFile

register = template.Library()


def _files_for(context, course, lessons, kind, role):
    if not permissions.can_download(context["request"].user):
        return []
    lesson_ids = {lesson.pk for lesson in lessons}
    copies = [
        copy for copy in OfflineCopy.objects.filter(kind=kind, state=OfflineCopy.State.READY)[:200]
        if course.pk in copy.page_ids
        or any(lesson.get("id") in lesson_ids for disc in copy.contents or [] for lesson in disc.get("lessons", []))
    ]
    return list(OfflineFile.objects.filter(copy__in=copies, role=role).select_related("copy"))


@register.simple_tag(takes_context=True)
def disc_images_for(context, course, lessons):
    """Ready DVD images that hold the course or one of its lessons, for the people allowed to
    download offline copies (lectures.offline.permissions decides who); nobody else pays the
    queries."""
    return _files_for(context, course, lessons, OfflineCopy.Kind.DISC, OfflineFile.Role.ISO)


@register.simple_tag(takes_context=True)
def mp3_packs_for(context, course, lessons):
    """Ready MP3 packs (numbered MP3s for 老人机 and 听戏机) of the course, for the same people."""
    return _files_for(context, course, lessons, OfflineCopy.Kind.MP3, OfflineFile.Role.MP3_ZIP)
