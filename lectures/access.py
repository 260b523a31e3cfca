"""Who may see a course, a lesson and the lesson's media: the ONE place that decides it.

Every route that serves library content asks `page_access` (pages, downloads, one-rung
playlists), `media_access` (HLS playlists of a media item) or `document_access` (a lesson's
attachments and subtitles, through Wagtail's document view); none repeats the rule. Apps below
lectures (members' API, media_pipeline's views) ask through `members.scoping`, where
`LecturesConfig.ready()` registers these two functions: they cannot import lectures.

The rule, in order:
  1. only live pages are seen (a draft or unpublished page is not there at all);
  2. Wagtail's own page privacy (a view restriction on the page or an ancestor: sign-in,
     groups or a password already entered in this session);
  3. a course marked "members only" (仅限党员观看), and its lessons, need a signed-in user.
"""

from django.db.models import Q
from wagtail.models import BaseViewRestriction

from lectures.models import CoursePage, LessonPage
from members.scoping import Access


def _course_of(page):
    """The members-only flag lives on the course: the page itself or the lesson's course."""
    specific = page.specific
    if isinstance(specific, CoursePage):
        return specific
    if isinstance(specific, LessonPage):
        course = specific.course()
        return course if isinstance(course, CoursePage) else None
    return None


def page_access(request, page):
    if page is None or not page.live:
        return Access.ABSENT
    user = request.user
    for restriction in page.get_view_restrictions():
        if restriction.accept_request(request):
            continue
        anonymous = not user.is_authenticated
        needs_sign_in = restriction.restriction_type in (
            BaseViewRestriction.LOGIN, BaseViewRestriction.GROUPS
        )
        return Access.SIGN_IN if anonymous and needs_sign_in else Access.DENY
    course = _course_of(page)
    if course is not None and course.members_only and not user.is_authenticated:
        return Access.SIGN_IN
    return Access.ALLOW


def _most_open(results):
    for access in (Access.ALLOW, Access.SIGN_IN, Access.DENY):
        if access in results:
            return access
    return Access.ABSENT


def media_access(request, media):
    """A media item is seen through the lessons that use it: the most open of them decides.
    Media no live lesson uses yet (just uploaded, or only in drafts) is seen only by people who
    work in the admin (editors preview drafts with it)."""
    if request.user.has_perm("wagtailadmin.access_admin"):
        return Access.ALLOW
    return _most_open({page_access(request, lesson) for lesson in media.lessons.all()})


def document_access(request, document):
    """A document that lessons use (an attachment, subtitles) follows those lessons, the most
    open of them; None for a document no lesson uses (Wagtail's collection privacy decides)."""
    lessons = LessonPage.objects.filter(Q(attachments__document=document) | Q(subtitles=document)).distinct()
    if not lessons.exists():
        return None
    if request.user.has_perm("wagtailadmin.access_admin"):
        return Access.ALLOW
    return _most_open({page_access(request, lesson) for lesson in lessons})
