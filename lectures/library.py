"""Queries behind the member pages: the menu's courses in a fixed number of plain SQL queries,
whatever the size of the library.

They are querysets (`CoursePage.objects`, `Topic.objects` in lectures.models use them), so this
module needs no model of lectures and lectures.models can import it.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from wagtail.images import get_image_model
from wagtail.models import Page, PageQuerySet

from members.models import Completion, ItemProgress
from members.services import member_of

# Length filter of the menu: (label, lower bound in seconds, upper bound or None).
LENGTHS = {
    "short": ("15 分钟以内", 0, 15 * 60),
    "medium": ("15–45 分钟", 15 * 60, 45 * 60),
    "long": ("45 分钟以上", 45 * 60, None),
}
SORTS = {"menu": "path", "newest": "-first_published_at"}
POSTER_SPEC = "fill-160x90-c80|format-jpeg|jpegquality-60"


class CourseQuerySet(PageQuerySet):
    def for_menu(self, library, *, topic=None, length=None, sort="menu", course_ids=None):
        """Live courses of the library that have a lesson to offer (their `lesson_count` and
        `total_seconds` are kept by signals)."""
        courses = (
            # Courses behind Wagtail's page privacy are reached by their link, not the menu: the
            # menu's grid is one for every visitor (lectures.menu_cache).
            self.live()
            .public()
            .descendant_of(library)
            .filter(lesson_count__gt=0)
            # A card shows the poster, title, teacher, lesson count and length: nothing else is loaded.
            .prefetch_related(
                Prefetch("poster", queryset=get_image_model().objects.prefetch_renditions(POSTER_SPEC)),
                Prefetch("frame_poster", queryset=get_image_model().objects.prefetch_renditions(POSTER_SPEC)),
            )
            .order_by(SORTS.get(sort, "path"), "path")
        )
        if topic is not None:
            courses = courses.filter(topics=topic)
        if length in LENGTHS:
            _, low, high = LENGTHS[length]
            condition = Q(total_seconds__gte=low)
            if high is not None:
                condition &= Q(total_seconds__lt=high)
            courses = courses.filter(condition)
        if course_ids is not None:
            courses = courses.filter(pk__in=course_ids)
        return courses

    def unfinished_ids(self, user):
        """Courses in which the signed-in member has started but not completed a lesson."""
        member = member_of(user)
        if member is None:
            return []
        started = ItemProgress.objects.filter(member=member).exclude(
            page_id__in=Completion.objects.filter(member=member).values("page_id")
        ).values("page_id")
        lesson_paths = Page.objects.filter(pk__in=started).values_list("path", "depth")
        # A lesson's course is its parent: the path one step shorter.
        paths = {path[: (depth - 1) * Page.steplen] for path, depth in lesson_paths}
        return list(self.filter(path__in=paths).values_list("pk", flat=True))


class TopicQuerySet(QuerySet):
    def for_menu(self):
        return self.annotate(
            course_count=Count("courses", filter=Q(courses__live=True, courses__lesson_count__gt=0))
        ).order_by("sort_order", "name")


def courses_done(user, course_ids):
    """{course id: lessons the member completed} for the given courses (two queries): what a
    course card shows the member beside the cached grid."""
    member = member_of(user)
    if member is None or not course_ids:
        return {}
    paths = dict(Page.objects.filter(pk__in=course_ids).values_list("path", "pk"))
    done = {}
    completed = Page.objects.filter(
        live=True, pk__in=Completion.objects.filter(member=member).values("page_id")
    ).values_list("path", "depth")
    for path, depth in completed:
        course = paths.get(path[: (depth - 1) * Page.steplen])  # a lesson's course is its parent
        if course is not None:
            done[course] = done.get(course, 0) + 1
    return done


def continue_learning(user):
    """The lesson the member last studied and has not completed, with where they stopped:
    (page, position in seconds) or None. The menu's "继续学习" card."""
    member = member_of(user)
    if member is None:
        return None
    progress = (
        ItemProgress.objects.filter(member=member, page__live=True, last_heartbeat_at__isnull=False)
        .exclude(page_id__in=Completion.objects.filter(member=member).values("page_id"))
        .select_related("page")
        .order_by("-last_heartbeat_at")
        .first()
    )
    if progress is None:
        return None
    return progress.page.specific, progress.position
