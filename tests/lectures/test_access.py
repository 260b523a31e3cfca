"""The one rule of who may see a lesson and its media (lectures.access, asked through
members.scoping): live pages only, Wagtail's page privacy, the course's members-only flag."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory
from wagtail.models import PageViewRestriction

from members.scoping import Access, media_access, page_access
from tests.lectures.test_pages import add_course, library, ready_media  # noqa: F401

pytestmark = pytest.mark.django_db


def request_for(user=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    return request


def restrict(page, kind, **fields):
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=kind, **fields)
    return restriction


def test_a_public_lesson_is_open_to_everyone(library):  # noqa: F811
    lesson = add_course(library, 1).lessons().first()
    assert page_access(request_for(), lesson) is Access.ALLOW
    assert media_access(request_for(), lesson.media) is Access.ALLOW


def test_members_only_course_and_its_lessons_need_sign_in(library, member):  # noqa: F811
    course = add_course(library, 1, members_only=True)
    lesson = course.lessons().first()
    for page in (course, lesson):
        assert page_access(request_for(), page) is Access.SIGN_IN
        assert page_access(request_for(member), page) is Access.ALLOW
    assert media_access(request_for(), lesson.media) is Access.SIGN_IN


def test_drafts_and_unpublished_pages_are_absent(library, member):  # noqa: F811
    course = add_course(library, 1)
    lesson = course.lessons().first()
    lesson.unpublish()
    lesson.refresh_from_db()
    assert page_access(request_for(member), lesson) is Access.ABSENT
    # Its media is used by no live lesson: only people working in the admin see it.
    assert media_access(request_for(member), lesson.media) is Access.ABSENT


def test_wagtail_login_restriction_on_the_course_covers_its_lessons(library, member):  # noqa: F811
    course = add_course(library, 1)
    lesson = course.lessons().first()
    restrict(course, PageViewRestriction.LOGIN)
    assert page_access(request_for(), lesson) is Access.SIGN_IN
    assert page_access(request_for(member), lesson) is Access.ALLOW


def test_wagtail_group_restriction_denies_members_outside_the_group(library, member, editor):  # noqa: F811
    course = add_course(library, 1)
    lesson = course.lessons().first()
    group = Group.objects.create(name="县委班子")
    restriction = restrict(lesson, PageViewRestriction.GROUPS)
    restriction.groups.add(group)
    assert page_access(request_for(), lesson) is Access.SIGN_IN
    assert page_access(request_for(member), lesson) is Access.DENY
    assert media_access(request_for(member), lesson.media) is Access.DENY
    member.groups.add(group)
    assert page_access(request_for(member), lesson) is Access.ALLOW


def test_wagtail_password_restriction_needs_the_password_in_this_session(library, member):  # noqa: F811
    lesson = add_course(library, 1).lessons().first()
    restriction = restrict(lesson, PageViewRestriction.PASSWORD, password="dangke")
    request = request_for(member)
    assert page_access(request, lesson) is Access.DENY
    restriction.mark_as_passed(request)
    assert page_access(request, lesson) is Access.ALLOW


def test_media_is_seen_through_its_most_open_lesson(library, member):  # noqa: F811
    media = ready_media()
    add_course(library, 1, media=media, members_only=True)
    assert media_access(request_for(), media) is Access.SIGN_IN
    add_course(library, 2, media=media)
    assert media_access(request_for(), media) is Access.ALLOW


def test_admin_users_see_media_no_live_lesson_uses(editor):
    media = ready_media()
    assert media_access(request_for(), media) is Access.ABSENT
    assert media_access(request_for(editor), media) is Access.ALLOW


def test_every_route_of_a_restricted_lesson_asks_the_rule(client, library, member):  # noqa: F811
    """The lesson page (Wagtail's own privacy check, then the rule) and the download refuse a
    member outside a group restriction on the course (the playlists: tests/media_pipeline_cms)."""
    course = add_course(library, 1, downloadable=True)
    lesson = course.lessons().first()
    group = Group.objects.create(name="县委班子")
    restrict(course, PageViewRestriction.GROUPS).groups.add(group)
    client.force_login(member)
    assert client.get(f"/lessons/{lesson.pk}/download/mp4/").status_code == 403
    assert client.get(lesson.url).status_code in (302, 403)
    member.groups.add(group)
    assert client.get(f"/lessons/{lesson.pk}/download/mp4/").status_code == 302
    assert client.get(lesson.url).status_code == 200


def _attach_document(lesson):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    from lectures.models import LessonAttachment

    document = get_document_model().objects.create(title="讲义")
    document.file.save("jiangyi.pdf", ContentFile(b"%PDF-1.4 lesson handout"))
    LessonAttachment.objects.create(lesson=lesson, document=document)
    return document


def test_a_members_only_lessons_attachment_follows_the_lesson(client, library, member):  # noqa: F811
    lesson = add_course(library, 1, members_only=True).lessons().first()
    document = _attach_document(lesson)
    url = document.url
    assert url.startswith("/documents/")
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(member)
    assert client.get(url).status_code == 200


def test_a_group_restricted_lessons_attachment_is_refused_outside_the_group(client, library, member):  # noqa: F811
    lesson = add_course(library, 1).lessons().first()
    restrict(lesson, PageViewRestriction.GROUPS).groups.add(Group.objects.create(name="班子"))
    document = _attach_document(lesson)
    client.force_login(member)
    assert client.get(document.url).status_code == 403


def test_restricted_lessons_leave_the_course_list_and_the_search(client, library, member):  # noqa: F811
    course = add_course(library, 1, lessons=2)
    hidden = course.lessons().last()
    hidden.title = "内部传达材料"
    hidden.save_revision().publish()
    restrict(hidden, PageViewRestriction.GROUPS).groups.add(Group.objects.create(name="班子"))
    client.force_login(member)
    assert "内部传达材料" not in client.get(course.url).content.decode()
    found = client.get("/search/?q=内部传达材料").content.decode()
    assert f'href="{hidden.url}"' not in found
    member.groups.add(Group.objects.get(name="班子"))
    assert "内部传达材料" in client.get(course.url).content.decode()
