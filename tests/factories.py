"""Factories for tests and the benchmarks (no test framework needed): organisations, members,
role holders, and real lectures.LessonPage learning items. Import after Django is set up."""

import itertools

from django.conf import settings
from django.contrib.auth import get_user_model
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page

from lectures.models import CoursePage, LessonPage, LibraryPage
from media_pipeline.models import LectureMedia
from members.models import Member, Organisation, Role
from members.roles import make_editor, make_secretary

PASSWORD = "dianke-test-pw"
_counter = itertools.count(1)
_slugs = itertools.count(1)
COURSE_SLUG = "members-test-course"


def make_organisation(name, *, parent=None, kind=Organisation.Kind.BRANCH, code=""):
    if parent is None:
        return Organisation.add_root(name=name, kind=kind, code=code)
    # treebeard's add_child works on a fresh copy of the parent (paths/numchild change).
    parent = Organisation.objects.get(pk=parent.pk)
    return parent.add_child(name=name, kind=kind, code=code)


def make_user(username=None, *, password=PASSWORD, **fields):
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(username=username, password=password, **fields)


def make_member(branch, *, number=None, phone=None, name=None, password=PASSWORD, **flags):
    n = next(_counter)
    number = number or f"M{n:06d}"
    user = make_user(f"m-{number}", password=password)
    return Member.objects.create(
        user=user, name=name or f"党员{n}", number=number, phone=phone, branch=branch, **flags
    )


def make_secretary_user(organisation, username=None, *, password=PASSWORD, kind=Role.Kind.SECRETARY):
    """A member of `organisation` holding a role there (书记 by default): roles are held by members."""
    return make_secretary(make_user(username, password=password), organisation, kind=kind)


def make_officer_user(username=None, *, organisation, password=PASSWORD):
    """A county organisation-department officer (县委组织部干部): the whole tree, no superuser."""
    return make_secretary_user(organisation, username, password=password, kind=Role.Kind.COUNTY_OFFICER)


def make_editor_user(username=None, *, password=PASSWORD):
    return make_editor(make_user(username, password=password))


def make_admin_user(username=None, *, password=PASSWORD):
    username = username or f"admin{next(_counter)}"
    return get_user_model().objects.create_superuser(username=username, password=password)


def make_county():
    """A county committee with two general branches, three branches and a party group."""
    county = make_organisation("示范县委", kind=Organisation.Kind.COMMITTEE)
    town = make_organisation("城关镇党总支", parent=county, kind=Organisation.Kind.GENERAL_BRANCH)
    village = make_organisation("河西村党总支", parent=county, kind=Organisation.Kind.GENERAL_BRANCH)
    branch_a = make_organisation("城关镇第一党支部", parent=town)
    branch_b = make_organisation("城关镇第二党支部", parent=town)
    branch_c = make_organisation("河西村党支部", parent=village)
    group = make_organisation("第一党小组", parent=branch_a, kind=Organisation.Kind.GROUP)
    return {
        "county": county,
        "town": town,
        "village": village,
        "a": Organisation.objects.get(pk=branch_a.pk),
        "b": branch_b,
        "c": branch_c,
        "group": group,
    }


def make_lesson(*, kind="video", duration=600, threshold=0.9, min_read_seconds=60, title=None, parent=None):
    """A live lectures.LessonPage learning item (C3) with the given rule."""
    return build_lesson(
        kind=kind, duration=duration, threshold=threshold, min_read_seconds=min_read_seconds,
        title=title or f"第{next(_counter)}课", parent=parent,
    )


def _ensure_wagtail_base():
    """Wagtail's initial rows (locale, root collection, root page): a transactional test's flush
    removes what Wagtail's migrations created."""
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))


def _library():
    library = LibraryPage.objects.first()
    if library is None:
        _ensure_wagtail_base()
        root = Page.get_first_root_node()
        library = Page.objects.get(pk=root.pk).add_child(
            instance=LibraryPage(title="点课", slug="dianke-members")
        )
    return library


def _course():
    course = CoursePage.objects.filter(slug=COURSE_SLUG).first()
    if course is None:
        course = _library().add_child(instance=CoursePage(title="学习记录测试课程", slug=COURSE_SLUG))
    return course


def build_lesson(*, kind, duration, threshold, min_read_seconds, title, parent=None):
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
