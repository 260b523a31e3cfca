"""Secretary pages in the Wagtail admin: reports, group completions, plans, member import.

Scope comes from members.scoping only; every view starts with `_require_reports(request)` and
narrows organisations and members through visible_organisations()/visible_members().
"""

import datetime as dt
import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from members import export, importer, plans, reports, scoping, services
from members.models import Completion, Member, StudyPlan, StudyPlanItem

logger = logging.getLogger(__name__)
PAGE_SIZE = 200


def _require_reports(request):
    if not scoping.can_see_reports(request.user):
        raise PermissionDenied("reports are for secretaries and administrators")


def _organisation(request):
    """The organisation asked for (?org=), which must be inside the viewer's scope."""
    visible = scoping.visible_organisations(request.user)
    org_id = request.GET.get("org") or request.POST.get("org")
    if org_id:
        try:
            return visible.get(pk=int(org_id))
        except (ValueError, visible.model.DoesNotExist):
            raise Http404("organisation not in scope") from None
    top = scoping.top_organisations(request.user).order_by("path").first()
    if top is None:
        raise Http404("no organisation in scope")
    return top


def _month(request):
    try:
        return plans.parse_month(request.GET.get("month", ""))
    except ValueError:
        return plans.month_start()


def _table_response(request, table, template="members/admin/table.html", **context):
    export_format = request.GET.get("export")
    if export_format in export.FORMATS:
        logger.info("user %s exported %s as %s", request.user.pk, table.filename, export_format)
        return export.response(table, export_format)
    rows = table.rows if isinstance(table.rows, list) else list(table.rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("p", None)
    return render(
        request,
        template,
        {"table": table, "page_obj": page, "query": query.urlencode(), **context},
    )


def _org_choices(request):
    return scoping.visible_organisations(request.user).order_by("path")


def index(request):
    _require_reports(request)
    month = plans.month_start()
    visible = scoping.visible_organisations(request.user)
    recent_plans = _visible_plans(request).filter(month__gte=month - dt.timedelta(days=92))[:20]
    return render(
        request,
        "members/admin/index.html",
        {
            "organisations": visible.order_by("path")[:300],
            "month": month,
            "plans": recent_plans,
            "members_count": scoping.visible_members(request.user).count(),
            "courses": _courses(),
        },
    )


def _courses():
    try:
        from lectures.models import CoursePage
    except ImportError:
        return []
    return CoursePage.objects.live().order_by("path").only("pk", "title")[:100]


def rates(request):
    _require_reports(request)
    org, month = _organisation(request), _month(request)
    try:
        months = min(max(int(request.GET.get("months", 6)), 1), 12)
    except ValueError:
        months = 6
    table = reports.month_rates(org, month, months=months)
    rows = [
        {"cells": row, "depth": depth, "id": pk, "rate": row[4]}
        for row, depth, pk in zip(table.rows, table.extra["depths"], table.extra["ids"], strict=True)
    ]
    return _table_response(
        request, table, "members/admin/rates.html", org=org, month=month, rows=rows,
        organisations=_org_choices(request), months=months,
    )


def not_studied(request):
    _require_reports(request)
    org, month = _organisation(request), _month(request)
    return _table_response(
        request, reports.not_studied(org, month), org=org, month=month,
        organisations=_org_choices(request), month_filter=True,
    )


def _visible_plans(request):
    """Plans on the viewer's organisations, or above them (a committee plan applies below it)."""
    visible = scoping.visible_organisations(request.user)
    paths = set()
    for org in scoping.top_organisations(request.user):
        paths.update(plans.ancestor_paths(org))
    from django.db.models import Q

    return StudyPlan.objects.filter(
        Q(organisation__in=visible) | Q(organisation__path__in=paths)
    ).select_related("organisation")


def plan_matrix(request, plan_id):
    _require_reports(request)
    plan = get_object_or_404(_visible_plans(request).prefetch_related("items"), pk=plan_id)
    table = reports.plan_matrix(plan, scoping.visible_members(request.user))
    return _table_response(request, table, plan=plan)


def course_matrix(request, page_id):
    _require_reports(request)
    page = get_object_or_404(Page.objects.live(), pk=page_id).specific
    lessons = getattr(page, "lessons", None)
    page_ids = [p.pk for p in lessons()] if callable(lessons) else [page.pk]
    org = _organisation(request)
    members = scoping.visible_members(request.user).filter(branch__path__startswith=org.path)
    table = reports.matrix(
        members, page_ids, title=f"{page.title} · {org.name}", filename=f"course-{page.pk}-{org.pk}"
    )
    return _table_response(request, table, org=org, organisations=_org_choices(request))


def member_history(request, member_id):
    _require_reports(request)
    member = get_object_or_404(scoping.visible_members(request.user), pk=member_id)
    return _table_response(request, reports.member_history(member), member=member)


def members_list(request):
    _require_reports(request)
    org = _organisation(request)
    members = (
        scoping.visible_members(request.user)
        .filter(branch__path__startswith=org.path)
        .select_related("branch")
        .order_by("branch__path", "number")
    )
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("p"))
    return render(
        request,
        "members/admin/members.html",
        {"org": org, "page_obj": page, "organisations": _org_choices(request)},
    )


# ---- group completions ----------------------------------------------------------------------


def learning_items():
    """Live pages that are learning items (C3: LessonPage)."""
    try:
        from lectures.models import LessonPage
    except ImportError:
        return Page.objects.none()
    return Page.objects.live().type(LessonPage).order_by("path")


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.number}，{obj.branch.name}）"


class RecordForm(forms.Form):
    item = ItemChoiceField(label=gettext_lazy("学习内容"), queryset=Page.objects.none())
    members = MemberChoiceField(
        label=gettext_lazy("党员"), queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    how = forms.ChoiceField(
        label=gettext_lazy("方式"),
        choices=[(Completion.How.GROUP, gettext_lazy("集中学习（支部活动日）")),
                 (Completion.How.RECORDED, gettext_lazy("在家观看光盘等，书记补录"))],
    )
    date = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=gettext_lazy("地点"), max_length=120, required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=300, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = learning_items()
        self.fields["members"].queryset = members.select_related("branch").order_by("branch__path", "number")

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return date


def record(request):
    _require_reports(request)
    org = _organisation(request)
    members = scoping.visible_members(request.user).filter(branch__path__startswith=org.path)
    form = RecordForm(request.POST or None, members=members, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = services.record_completions(
            page=data["item"],
            members=list(data["members"]),
            how=data["how"],
            set_by=request.user,
            date=data["date"],
            place=data["place"],
            note=data["note"],
        )
        already = len(data["members"]) - created
        messages.success(
            request,
            _("已为 %(n)d 名党员登记完成“%(item)s”。") % {"n": created, "item": data["item"].title}
            + (_("另有 %(m)d 名此前已完成，保留原记录。") % {"m": already} if already else ""),
        )
        return redirect(f"{request.path}?org={org.pk}")
    return render(
        request,
        "members/admin/record.html",
        {"form": form, "org": org, "organisations": _org_choices(request)},
    )


# ---- plans ----------------------------------------------------------------------------------


class PlanForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("党组织"), queryset=None)
    month = forms.CharField(label=gettext_lazy("月份（YYYY-MM）"), max_length=7)
    title = forms.CharField(label=gettext_lazy("主题"), max_length=120)
    meeting_date = forms.DateField(
        label=gettext_lazy("主题党日日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=gettext_lazy("地点"), max_length=120, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    required_items = forms.ModelMultipleChoiceField(
        label=gettext_lazy("必学内容"), queryset=Page.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    optional_items = forms.ModelMultipleChoiceField(
        label=gettext_lazy("选学内容"), queryset=Page.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    members = MemberChoiceField(
        label=gettext_lazy("指定党员（不选则为全体党员）"), queryset=Member.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = scoping.visible_organisations(user).order_by("path")
        items = learning_items()
        self.fields["required_items"].queryset = items
        self.fields["optional_items"].queryset = items
        self.fields["members"].queryset = scoping.visible_members(user).select_related("branch")

    def clean_month(self):
        try:
            return plans.parse_month(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 2026-03。")) from None

    def clean(self):
        data = super().clean()
        both = set(data.get("required_items") or []) & set(data.get("optional_items") or [])
        if both:
            raise forms.ValidationError(_("同一内容不能既是必学又是选学。"))
        org, chosen = data.get("organisation"), data.get("members") or []
        if org is not None:
            outside = [m for m in chosen if not m.branch.path.startswith(org.path)]
            if outside:
                raise forms.ValidationError(_("指定的党员必须属于该党组织。"))
        return data


def plan_list(request):
    _require_reports(request)
    return render(
        request,
        "members/admin/plans.html",
        {"plans": _visible_plans(request).order_by("-month", "organisation__path")[:200]},
    )


def plan_edit(request, plan_id=None):
    _require_reports(request)
    visible = scoping.visible_organisations(request.user)
    plan = None
    initial = {"month": f"{plans.month_start():%Y-%m}"}
    if plan_id is not None:
        # Only plans on organisations in scope are editable (not the committee's above it).
        plan = get_object_or_404(StudyPlan.objects.filter(organisation__in=visible), pk=plan_id)
        items = list(plan.items.all())
        initial = {
            "organisation": plan.organisation, "month": f"{plan.month:%Y-%m}", "title": plan.title,
            "meeting_date": plan.meeting_date, "place": plan.place, "note": plan.note,
            "required_items": [i.page_id for i in items if i.required],
            "optional_items": [i.page_id for i in items if not i.required],
            "members": list(plan.members.all()),
        }
    form = PlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            plan = plan or StudyPlan(created_by=request.user)
            for name in ("organisation", "month", "title", "meeting_date", "place", "note"):
                setattr(plan, name, data[name])
            plan.save()
            plan.members.set(data["members"])
            plan.items.all().delete()
            order = 0
            for required, key in ((True, "required_items"), (False, "optional_items")):
                for page in data[key]:
                    StudyPlanItem.objects.create(plan=plan, page=page, required=required, sort_order=order)
                    order += 1
        messages.success(request, _("学习计划已保存。"))
        return redirect("members_admin:plans")
    return render(request, "members/admin/plan_form.html", {"form": form, "plan": plan})


# ---- import ---------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("表格文件（CSV 或 XLSX）"))
    dry_run = forms.BooleanField(label=gettext_lazy("仅检查，不导入"), required=False, initial=True)


def import_members(request):
    _require_reports(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = importer.import_file(
            upload, upload.name, user=request.user, dry_run=form.cleaned_data["dry_run"]
        )
        if result.errors:
            messages.error(request, _("有 %(n)d 行有错误，未导入任何数据。") % {"n": len(result.errors)})
        elif result.dry_run:
            messages.info(request, _("检查通过：%(n)d 行可以导入。") % {"n": result.valid_rows})
        else:
            messages.success(request, _("已导入 %(n)d 名党员。") % {"n": result.created + result.updated})
    return render(request, "members/admin/import.html", {"form": form, "result": result})
