"""Admin pages of the bank beside its viewset: the XLSX import (a dry run lists the errors by row;
any error imports nothing), the export, and a question previewed as a member sees it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from quizzes import bank, services, spreadsheet
from quizzes.models import Attempt, Question

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def can_manage_bank(user):
    return user.is_active and (user.is_superuser or user.has_perm("quizzes.change_question"))


def _require(request):
    if not can_manage_bank(request.user):
        raise PermissionDenied


class ImportForm(forms.Form):
    file = forms.FileField(label=_("题库文件（.xlsx）"))
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件太大（上限 5 MB）。"))
        return upload


def import_bank(request):
    _require(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems, checked = None, None
    if request.method == "POST" and form.is_valid():
        try:
            rows = spreadsheet.read_rows(form.cleaned_data["file"])
        except spreadsheet.SheetUnreadable as error:
            form.add_error("file", str(error))
        else:
            dry_run = form.cleaned_data["dry_run"]
            problems, created = bank.import_rows(rows, dry_run=dry_run)
            checked = len(rows)
            if not problems and not dry_run:
                messages.success(request, _("已导入 %(n)s 道题。") % {"n": created})
                return redirect("quizzes_admin:import")
            if not problems:
                messages.success(request, _("检查通过：%(n)s 道题都可以导入。") % {"n": checked})
            else:
                messages.error(request, _("有 %(n)s 行有错误，没有导入任何题目。") % {"n": len(problems)})
    return TemplateResponse(request, "quizzes/admin/import.html", {
        "form": form, "problems": problems, "checked": checked, "columns": spreadsheet.COLUMNS,
    })


def export_bank(request):
    _require(request)
    return spreadsheet.export_bank()


def preview(request, pk):
    """The question as a member sees it in an attempt (options shuffled, no answer), then its
    result as after submitting."""
    _require(request)
    question = get_object_or_404(Question, pk=pk)
    attempt = Attempt(layout=services._layout([question.pk]), total=1)
    shown = services.questions(attempt)
    bank_map, options = services._loaded(attempt)
    opts = [options[o] for o in attempt.layout[0][1] if o in options]
    _correct, right, _given = services.grade(question, opts, None)
    return TemplateResponse(request, "quizzes/admin/preview.html", {
        "question": question, "shown": shown[0] if shown else None, "right": right,
        "citation": services._citation(bank_map[question.pk]),
    })
