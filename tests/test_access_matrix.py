"""Every route that serves a lesson, its media or its files × who asks (docs/security.md):
anonymous, a member of another branch, a member, a member outside a Wagtail group restriction on
the lesson, and a draft (unpublished) lesson. One rule decides (lectures.access); this checks
that every route asks it and answers the same way.

Expected answers: "ok" (200, or the download's redirect to its signed file), "sign_in" (the
sign-in page, or a bare 403 where a player asks), "deny" (403), "absent" (404)."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from wagtail.documents import get_document_model
from wagtail.models import PageViewRestriction

from lectures.models import LessonAttachment
from tests.factories import make_member
from tests.lectures.test_pages import MASTER, add_course, library, ready_media  # noqa: F401

pytestmark = pytest.mark.django_db

RUNG = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nseg0.ts\n#EXT-X-ENDLIST\n"


def with_hls(media):
    media.manifest["outputs"] += [
        {"kind": "hls-master", "path": "master.m3u8", "width": 640, "height": 360},
        {"kind": "hls-rung", "path": "hls/240p/index.m3u8", "width": 426, "height": 240},
        {"kind": "hls-rung", "path": "hls/360p/index.m3u8", "width": 640, "height": 360},
        {"kind": "hls-rung", "path": "hls/audio/index.m3u8", "width": None, "height": None, "role": "audio"},
    ]
    media.save()
    for name, text in [("master.m3u8", MASTER), ("hls/240p/index.m3u8", RUNG),
                       ("hls/360p/index.m3u8", RUNG), ("hls/audio/index.m3u8", RUNG)]:
        path = media.output_name({"path": name})
        if not default_storage.exists(path):
            default_storage.save(path, ContentFile(text.encode()))
    return media


def routes(lesson, document):
    media = lesson.media
    return {
        "lesson page": lesson.url,
        "download": f"/lessons/{lesson.pk}/download/mp4/",
        "one-rung playlist": f"/lessons/{lesson.pk}/hls/240.m3u8",
        "HLS playlist": f"/media-hls/{media.pk}/master.m3u8",
        "HLS rung playlist": f"/media-hls/{media.pk}/hls/240p/index.m3u8",
        "attachment": document.url,
    }


def answer(response):
    status = response.status_code
    location = response.get("Location", "")
    if status == 200 or (status == 302 and location.startswith("/media/")):
        return "ok"
    if status == 302 and "/login/" in location:
        return "sign_in"
    if status == 403:
        return "deny"
    if status == 404:
        return "absent"
    return f"unexpected {status} {location}"


# What each case must get, per route. A player's playlists answer 403 where a page would ask to
# sign in; Wagtail's own page-privacy check sends a signed-in member outside the group to sign in
# as someone else.
PLAYER = {"one-rung playlist", "HLS playlist", "HLS rung playlist"}
CASES = {
    "anonymous, public course": dict.fromkeys(
        ["lesson page", "one-rung playlist", "HLS playlist", "HLS rung playlist", "attachment"], "ok")
    | {"download": "sign_in"},
    "anonymous, members-only course": {route: "deny" if route in PLAYER else "sign_in" for route in [
        "lesson page", "download", "one-rung playlist", "HLS playlist", "HLS rung playlist", "attachment"]},
    "member of another branch, members-only course": dict.fromkeys([
        "lesson page", "download", "one-rung playlist", "HLS playlist", "HLS rung playlist", "attachment"], "ok"),
    "member, members-only course": dict.fromkeys([
        "lesson page", "download", "one-rung playlist", "HLS playlist", "HLS rung playlist", "attachment"], "ok"),
    "member outside the lesson's group restriction": dict.fromkeys(
        ["download", "one-rung playlist", "HLS playlist", "HLS rung playlist", "attachment"], "deny")
    | {"lesson page": "sign_in"},
    "member, draft lesson": dict.fromkeys([
        "lesson page", "download", "one-rung playlist", "HLS playlist", "HLS rung playlist", "attachment"], "absent"),
}


@pytest.fixture
def setup(library, members_county, member):  # noqa: F811
    def build(case):
        members_only = "members-only" in case
        course = add_course(library, 1, members_only=members_only, downloadable=True,
                            media=with_hls(ready_media()))
        lesson = course.lessons().first()
        document = get_document_model().objects.create(title="讲义")
        document.file.save("jiangyi.pdf", ContentFile(b"%PDF-1.4 handout"))
        LessonAttachment.objects.create(lesson=lesson, document=document)
        user = None
        if case.startswith("member of another branch"):
            user = make_member(members_county["c"], number="T0900", phone="13800000900").user
        elif case.startswith("member"):
            user = member
        if "group restriction" in case:
            restriction = PageViewRestriction.objects.create(page=lesson, restriction_type="groups")
            restriction.groups.add(Group.objects.create(name="县委班子"))
        if "draft" in case:
            lesson.unpublish()
            lesson.refresh_from_db()
        return lesson, document, user
    return build


@pytest.mark.parametrize("case", list(CASES))
def test_every_content_route_asks_the_one_rule(client, setup, case):
    lesson, document, user = setup(case)
    if user is not None:
        client.force_login(user)
    got = {route: answer(client.get(url)) for route, url in routes(lesson, document).items()}
    assert got == CASES[case]
