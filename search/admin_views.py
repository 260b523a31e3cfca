"""Wagtail admin: editors upload a regulation text; the same importer as the command."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from members.scoping import is_editor

from .importer import ImportFailed, import_text
from .models import Regulation

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
ENCODINGS = [("utf-8-sig", "UTF-8"), ("gb18030", "GB18030 / GBK"), ("utf-16", "UTF-16")]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("法规全文（.txt，每段一行）"))
    encoding = forms.ChoiceField(label=_("文字编码"), choices=ENCODINGS, initial="utf-8-sig")
    translation = forms.FileField(label=_("中英对照（.zh-en.md，可选）"), required=False)
    source = forms.CharField(label=_("来源"), max_length=300, required=False)

    def clean_file(self):
        return _within_limit(self.cleaned_data["file"])

    def clean_translation(self):
        return _within_limit(self.cleaned_data["translation"])


def _within_limit(upload):
    if upload is not None and upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(_("文件太大（上限 2 MB）。"))
    return upload


def can_import(user):
    return user.is_superuser or is_editor(user)


def upload(request):
    if not can_import(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        translation = form.cleaned_data["translation"]
        try:
            regulation, _created = import_text(
                form.cleaned_data["file"].read(), filename=form.cleaned_data["file"].name,
                encoding=form.cleaned_data["encoding"], source=form.cleaned_data["source"],
                translation=translation.read().decode("utf-8", "replace") if translation else None,
            )
        except ImportFailed as error:
            form.add_error("file", error.message_zh)
        else:
            count = regulation.articles.filter(number__isnull=False).count()
            messages.success(request, _("已导入 %(title)s（%(edition)s），共 %(count)d 条。") % {
                "title": regulation.title, "edition": regulation.edition, "count": count,
            })
            return redirect("regulations_admin:upload")
    return TemplateResponse(request, "search/admin/upload.html", {
        "form": form, "regulations": Regulation.objects.all(),
    })
