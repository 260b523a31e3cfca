"""Views of the media side: the upload page (local upload, or browser-to-S3 with a presigned
POST), processing status for polling, the editor's retry, and signed HLS playlists for S3.

Views are thin: media creation, queueing and retries are in services.py, storage in storage.py.
"""

import logging
import posixpath
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.http import JsonResponse as _JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.auth import require_admin_access
from wagtailmedia import get_permission_policy

from dianke.http import safe_next
from members import scoping

from . import services, tasks
from .forms import CompleteS3UploadForm, PresignForm, UploadForm, make_ticket
from .models import LectureMedia, max_upload_bytes, validate_upload_name_and_size
from .storage import rewrite_playlist, s3_client_and_bucket, uses_s3

logger = logging.getLogger(__name__)


def JsonResponse(data, **kwargs):  # noqa: N802 - Chinese messages stay readable in the JSON
    return _JsonResponse(data, json_dumps_params={"ensure_ascii": False}, **kwargs)

# Multipart overhead allowed above the file size limit before a request is refused unread.
MULTIPART_SLACK_BYTES = 1024 * 1024


def _wants_json(request):
    return request.headers.get("x-requested-with") == "XMLHttpRequest" or "json" in request.headers.get(
        "accept", ""
    )


def _can_add(user):
    return get_permission_policy().user_has_permission(user, "add")


def _can_change(user, media):
    return get_permission_policy().user_has_permission_for_instance(user, "change", media)


def _forbidden(request):
    if _wants_json(request):
        return JsonResponse({"error": _("没有权限。")}, status=403)
    return HttpResponse(_("没有权限。"), status=403)


def _created_response(request, media):
    edit_url = reverse("wagtailmedia:edit", args=[media.pk])
    if _wants_json(request):
        return JsonResponse({
            "id": media.pk,
            "edit_url": edit_url,
            "status_url": reverse("media_pipeline_admin:status", args=[media.pk]),
        }, status=201)
    messages.success(request, _("“%(title)s”已上传，正在排队转码。") % {"title": media.title})
    return redirect(edit_url)


def _form_errors(form):
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


@require_admin_access
@never_cache
def upload(request):
    """The upload page. Without S3 (or without JavaScript) the file comes through this view;
    with S3 the page's script uploads straight to the bucket and posts to `complete_s3_upload`."""
    if not _can_add(request.user):
        return _forbidden(request)
    form = UploadForm()
    if request.method == "POST":
        # Refuse an oversize body before Django reads (and spools) it.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > max_upload_bytes() + MULTIPART_SLACK_BYTES:
            message = _("文件太大，上限为 %(limit)d MB。") % {"limit": max_upload_bytes() // 1024**2}
            logger.warning("Upload refused: %s bytes declared, limit %s", declared, max_upload_bytes())
            if _wants_json(request):
                return JsonResponse({"errors": {"file": [message]}}, status=413)
            messages.error(request, message)
            return redirect("media_pipeline_admin:upload")
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            media = services.create_media(
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                collection=form.cleaned_data["collection"],
                user=request.user,
            )
            return _created_response(request, media)
        if _wants_json(request):
            return JsonResponse({"errors": _form_errors(form)}, status=400)
    return render(request, "media_pipeline/upload.html", {
        "form": form,
        "s3": uses_s3(),
        "max_upload_bytes": max_upload_bytes(),
        "max_upload_mb": max_upload_bytes() // 1024**2,
    })


@require_admin_access
@require_POST
def presign_s3_upload(request):
    """A presigned POST for one file straight to S3, and a signed ticket to complete it with."""
    if not uses_s3():
        raise Http404
    if not _can_add(request.user):
        return _forbidden(request)
    form = PresignForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": _form_errors(form)}, status=400)
    filename = posixpath.basename(form.cleaned_data["filename"].replace("\\", "/"))
    # The object key never contains the user's name except as a cleaned last component.
    safe_name = default_storage.get_valid_name(filename) or "upload"
    name = f"media/uploads/{uuid.uuid4().hex}/{safe_name}"
    client, bucket, key = s3_client_and_bucket(name)
    post = client.generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Conditions=[["content-length-range", 1, max_upload_bytes()]],
        ExpiresIn=6 * 3600,
    )
    return JsonResponse({
        "url": post["url"],
        "fields": post["fields"],
        "ticket": make_ticket(key_name=name, filename=filename, user=request.user),
    })


@require_admin_access
@require_POST
def complete_s3_upload(request):
    """After the browser's POST to S3: check the object, create the media, queue the job."""
    if not uses_s3():
        raise Http404
    if not _can_add(request.user):
        return _forbidden(request)
    form = CompleteS3UploadForm(request.POST, user=request.user)
    if form.is_valid():
        name = form.cleaned_data["ticket"]["name"]
        try:
            if not default_storage.exists(name):
                raise ValidationError(_("文件没有上传完成，请重新上传。"))
            validate_upload_name_and_size(name, default_storage.size(name))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            media = services.create_media(
                title=form.cleaned_data["title"],
                stored_name=name,
                collection=form.cleaned_data["collection"],
                user=request.user,
            )
            return _created_response(request, media)
    if _wants_json(request):
        return JsonResponse({"errors": _form_errors(form)}, status=400)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("media_pipeline_admin:upload")


@require_admin_access
@require_GET
@never_cache
def status(request, media_id):
    """Processing state for the progress bar (polled by the status include's script)."""
    media = get_object_or_404(LectureMedia, pk=media_id)
    if not _can_change(request.user, media):
        return _forbidden(request)
    # An editor watching a job is a good moment to notice that its worker died.
    if tasks.recover_stale_jobs(media_ids=[media.pk]):
        media.refresh_from_db()
    return JsonResponse(services.status_of(media))


@require_admin_access
@require_POST
def retry(request, media_id):
    """The editor's one-click retry (POST + CSRF): a new job with a fresh attempt budget."""
    media = get_object_or_404(LectureMedia, pk=media_id)
    if not _can_change(request.user, media):
        return _forbidden(request)
    if not media.file:
        messages.error(request, _("没有源文件，无法重新处理。"))
    else:
        services.retry(media)
        messages.success(request, _("“%(title)s”已重新排队转码。") % {"title": media.title})
    return redirect(safe_next(request, default=reverse("wagtailmedia:edit", args=[media.pk])))


@require_GET
def hls_playlist(request, media_id, path):
    """An HLS playlist of published renditions with every URI signed (S3 with signed URLs)."""
    media = get_object_or_404(LectureMedia, pk=media_id)
    playlists = {o["path"] for o in media.outputs("hls-master") + media.outputs("hls-rung")}
    if not media.is_ready or path not in playlists:
        raise Http404
    refused = scoping.refusal(request, scoping.media_access(request, media), sign_in_page=False)
    if refused is not None:
        return refused
    with default_storage.open(media.output_name({"path": path}), "rb") as handle:
        text = handle.read().decode("utf-8")
    body = rewrite_playlist(
        text,
        playlist_path=path,
        url_for_playlist=lambda p: reverse("media_pipeline:hls", args=[media.pk, p]),
        url_for_file=lambda p: default_storage.url(media.output_name({"path": p})),
    )
    response = HttpResponse(body, content_type="application/vnd.apple.mpegurl")
    # Shorter than the signatures' lifetime, so a cached playlist never holds expired URLs.
    response["Cache-Control"] = "private, max-age=300"
    return response
