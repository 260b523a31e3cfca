"""Offline-copy pages in the Wagtail admin (make, list, detail with deliveries) and the file
download. Thin: the work is in services.py."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import scoping

from . import permissions, services, tasks
from .forms import CopyForm, DeliveryForm
from .models import OfflineCopy, OfflineFile

logger = logging.getLogger(__name__)


def _require(check, user):
    if not check(user):
        raise PermissionDenied(_("没有权限。"))


def _visible_members(user):
    return scoping.visible_members(user).select_related("branch").order_by("branch__path", "number")


def index(request):
    _require(permissions.can_see_admin_pages, request.user)
    copies = OfflineCopy.objects.prefetch_related("files")[:100]
    building = any(copy.state in (OfflineCopy.State.PENDING, OfflineCopy.State.BUILDING)
                   for copy in copies)
    return render(request, "offline/admin/index.html", {
        "copies": copies, "building": building, "can_make": permissions.can_make(request.user),
    })


def _pages_from(request):
    ids = request.POST.getlist("page") if request.method == "POST" else request.GET.getlist("page")
    pages = []
    for raw in ids:
        if not str(raw).isdigit():
            raise Http404
        try:
            pages.append(services.find_page(raw))
        except services.OfflineError as error:
            raise Http404(error.reason_zh) from error
    if not pages:
        raise Http404
    return pages


def create(request):
    _require(permissions.can_make, request.user)
    kind = request.POST.get("kind") or request.GET.get("kind") or OfflineCopy.Kind.DISC
    if kind not in OfflineCopy.Kind.values:
        raise Http404
    pages = _pages_from(request)
    preview = services.preview(pages, kind)
    initial = {"title": pages[0].title, "county": services.county_name()}
    form = CopyForm(request.POST or None, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.create_copy(
                kind=kind, pages=pages, user=request.user, title=form.cleaned_data["title"],
                county=form.cleaned_data["county"],
                standard=form.cleaned_data.get("standard") or OfflineCopy.Standard.PAL,
                menu=bool(form.cleaned_data.get("menu")),
            )
            tasks.queue_build(copy)
        except services.OfflineError as error:
            logger.info("offline copy refused: %s", error.reason_en)
            form.add_error(None, error.reason_zh)
        else:
            messages.success(request, _("已开始制作“%(title)s”，完成后可在此下载。") % {"title": copy.title})
            return redirect("offline_admin:detail", copy.pk)
    return render(request, "offline/admin/create.html", {
        "form": form, "kind": kind, "kind_label": OfflineCopy.Kind(kind).label, "pages": pages,
        "preview": preview,
    })


def detail(request, pk):
    _require(permissions.can_see_admin_pages, request.user)
    copy = get_object_or_404(OfflineCopy, pk=pk)
    delivery_form = None
    if copy.kind == OfflineCopy.Kind.DISC and copy.is_ready and permissions.can_record(request.user):
        delivery_form = DeliveryForm(copy=copy, members=_visible_members(request.user))
    return render(request, "offline/admin/detail.html", {
        "copy": copy, "files": copy.files.all(), "delivery_form": delivery_form,
        "deliveries": copy.deliveries.select_related("member", "recorded_by")[:200],
        "building": copy.state in (OfflineCopy.State.PENDING, OfflineCopy.State.BUILDING),
    })


@require_POST
def retry(request, pk):
    _require(permissions.can_make, request.user)
    copy = get_object_or_404(OfflineCopy, pk=pk)
    if not copy.can_retry:
        messages.error(request, _("正在制作中，不需要重新制作。"))
        return redirect("offline_admin:detail", copy.pk)
    OfflineCopy.objects.filter(pk=copy.pk).update(state=OfflineCopy.State.PENDING, percent=0, error="")
    tasks.build_offline_copy.enqueue(copy.pk)  # the row is committed already
    return redirect("offline_admin:detail", copy.pk)


@require_POST
def deliver(request, pk):
    _require(permissions.can_record, request.user)
    copy = get_object_or_404(OfflineCopy, pk=pk, kind=OfflineCopy.Kind.DISC)
    form = DeliveryForm(request.POST, copy=copy, members=_visible_members(request.user))
    if form.is_valid():
        try:
            created = services.record_delivery(
                copy=copy, disc_number=form.cleaned_data["disc_number"],
                members=form.cleaned_data["members"], date=form.cleaned_data["delivered_on"],
                recorded_by=request.user, place=form.cleaned_data["place"],
                note=form.cleaned_data["note"])
        except services.OfflineError as error:
            form.add_error(None, error.reason_zh)
        except PermissionDenied:
            form.add_error("members", _("不能为所选党员登记。"))
        else:
            messages.success(request, _("已登记 %(n)d 人领取光盘，并记为已学习。") % {"n": len(created)})
            return redirect("offline_admin:detail", copy.pk)
    return render(request, "offline/admin/detail.html", {
        "copy": copy, "files": copy.files.all(), "delivery_form": form,
        "deliveries": copy.deliveries.select_related("member", "recorded_by")[:200],
    }, status=400)


@login_required
def download(request, pk):
    """A stored file of a copy, for editors and secretaries. On S3 a signed URL (the ISO is GBs
    and should not pass through the web process); locally a streamed FileResponse."""
    if not permissions.can_download(request.user):
        raise PermissionDenied(_("没有权限。"))
    stored = get_object_or_404(OfflineFile.objects.select_related("copy"), pk=pk)
    storage = stored.file.storage
    try:
        storage.path(stored.file.name)
    except NotImplementedError:
        from urllib.parse import quote

        disposition = f"attachment; filename*=UTF-8''{quote(stored.download_name)}"
        return HttpResponseRedirect(storage.url(
            stored.file.name, parameters={"ResponseContentDisposition": disposition}))
    return FileResponse(storage.open(stored.file.name, "rb"), as_attachment=True,
                        filename=stored.download_name)


def page_action_url(kind, page):
    return reverse("offline_admin:create") + f"?kind={kind}&page={page.pk}"
