"""Member-facing views that are not pages: elderly mode, counted downloads, lecture search."""

import posixpath
import re

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from dianke.http import safe_next
from lectures.models import CoursePage, LessonDownload, LessonPage
from media_pipeline.storage import hls_url, keep_one_rung, rendition_url, rewrite_playlist
from members import scoping
from search.services import search_regulations
from search.text import cut_query

ELDERLY_COOKIE = "dianke_elderly"
ONE_YEAR = 365 * 24 * 3600


@require_POST
def toggle_elderly_mode(request):
    """Large text and high contrast, kept in a cookie; a plain form post, no JavaScript needed."""
    response = HttpResponseRedirect(safe_next(request))
    if request.POST.get("elderly") == "1":
        response.set_cookie(ELDERLY_COOKIE, "1", max_age=ONE_YEAR, samesite="Lax")
    else:
        response.delete_cookie(ELDERLY_COOKIE)
    return response


def download(request, lesson_id, kind):
    """Counts a download of the lesson's small MP4 or audio file and redirects to the file."""
    lesson = get_object_or_404(LessonPage.objects.live().select_related("media"), pk=lesson_id)
    # Downloads are for signed-in members: anyone else signs in first, whatever the lesson's rule.
    access = scoping.page_access(request, lesson)
    if not request.user.is_authenticated and access is not scoping.Access.ABSENT:
        access = scoping.Access.SIGN_IN
    refused = scoping.refusal(request, access)
    if refused is not None:
        return refused
    course = lesson.course()
    if not (isinstance(course, CoursePage) and course.can_download(request.user)) or lesson.media is None:
        raise Http404
    outputs = lesson.media.outputs(kind) if kind in DOWNLOAD_KINDS and lesson.media.is_ready else []
    if not outputs:
        raise Http404
    LessonDownload.objects.create(lesson=lesson, kind=kind, user=request.user)
    return HttpResponseRedirect(_download_url(lesson, course, outputs[0]))


DOWNLOAD_KINDS = ("mp4", "audio")
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _download_url(lesson, course, output):
    """The file's (signed) URL, answered as an attachment named after the course and the lesson,
    so that a phone saves it instead of playing it, under a name its owner recognises (RFC 5987
    for Chinese names; the same parameter S3 honours in a presigned URL)."""
    extension = posixpath.splitext(output["path"])[1]
    name = _UNSAFE_IN_NAMES.sub(" ", f"{course.title}-{lesson.title}").strip()[:120] + extension
    disposition = content_disposition_header(True, name)
    return default_storage.url(lesson.media.output_name(output),
                               parameters={"ResponseContentDisposition": disposition})


def search(request):
    """Lectures by title, summary, teacher, tags and subtitles, and matching Constitution articles."""
    query = request.GET.get("q", "").strip()[:100]
    results, articles = None, None
    if query:
        words = cut_query(query)
        # Pages behind Wagtail's page privacy never show in search results (their titles included).
        lessons = LessonPage.objects.live().public().search(words, operator="or")
        courses = CoursePage.objects.live().public().search(words, operator="or")
        results = Paginator(list(courses[:20]) + list(lessons[:40]), 20).get_page(request.GET.get("page"))
        articles = search_regulations(query, limit=5)
    return render(request, "lectures/search.html", {"query": query, "results": results, "articles": articles})


def favicon(request):
    """For browsers that ignore the SVG icon in the page's <head> and ask for /favicon.ico."""
    return HttpResponsePermanentRedirect(static("dianke/favicon.svg"))


def hls_one_rung(request, lesson_id, height):
    """The lesson's HLS master playlist with a single video rung (and the shared audio): the
    quality picker's choice for browsers that play HLS themselves and so cannot be told which
    rung to load (hls.js can). Every URI is made absolute, signed where the storage signs."""
    lesson = get_object_or_404(LessonPage.objects.live().select_related("media"), pk=lesson_id)
    media = lesson.media
    masters = media.outputs("hls-master") if media is not None and media.is_ready else []
    if not masters or height not in media.video_heights():
        raise Http404
    refused = scoping.refusal(request, scoping.page_access(request, lesson), sign_in_page=False)
    if refused is not None:
        return refused
    with default_storage.open(media.output_name(masters[0]), "rb") as handle:
        master = handle.read().decode("utf-8")
    body = rewrite_playlist(keep_one_rung(master, height), playlist_path=masters[0]["path"],
                            url_for_playlist=lambda path: hls_url(media, {"path": path}),
                            url_for_file=lambda path: rendition_url(media.output_name({"path": path})))
    response = HttpResponse(body, content_type="application/vnd.apple.mpegurl")
    response["Cache-Control"] = "private, max-age=300"  # as media_pipeline's signed playlists
    return response
