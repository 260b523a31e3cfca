"""Factories for tests, the demo and the benchmarks (no test framework needed)."""

import itertools

from django.contrib.auth import get_user_model

from members.models import Member, Organisation
from members.roles import make_editor, make_secretary

PASSWORD = "dianke-test-pw"
_counter = itertools.count(1)


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


def make_secretary_user(organisation, username=None, *, password=PASSWORD):
    return make_secretary(make_user(username, password=password), organisation)


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
    from members._lessons import build_lesson

    return build_lesson(
        kind=kind, duration=duration, threshold=threshold, min_read_seconds=min_read_seconds,
        title=title or f"第{next(_counter)}课", parent=parent,
    )
