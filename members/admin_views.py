"""Secretaries' pages in the Wagtail admin: reports, group completions, plans, member import.

Every page is one of Wagtail's generic views (ReportView, BaseListingView, the model views of the
StudyPlan viewset) with LearningAdminMixin in front: the one place these pages learn the viewer's
scope from members.scoping. members.viewsets mounts them under /admin/learning/.
"""

import dataclasses
import datetime as dt
import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import BaseListingView, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.models import CreateView, EditView, IndexView
from wagtail.admin.views.reports import ReportView
from wagtail.log_actions import log
from wagtail.models import Page

from members import export, importer, items, mepage, plans, reports, scoping, services
from members.forms import ImportForm, RecordForm
from members.models import Completion, Member, StudyPlan

logger = logging.getLogger(__name__)
PAGE_SIZE = 200


class LearningAdminMixin:
    """The viewer's scope, for every members admin view.

    setup() refuses anyone who is neither a secretary nor an administrator before the view reads
    anything (Wagtail turns the refusal into a redirect to the dashboard). The properties narrow
    what a request names (?org=, a member, a plan) to what members.scoping lets the viewer see:
    anything else is a 404, as if it did not exist.
    """

    # Scope decides on these pages, not Django's model permissions: a secretary holds no
    # StudyPlan permission, so Wagtail's permission policy must not refuse them.
    permission_policy = None

    def setup(self, request, *args, **kwargs):
        if not scoping.can_see_reports(request.user):
            raise PermissionDenied("reports are for secretaries and administrators")
        super().setup(request, *args, **kwargs)

    @cached_property
    def visible_organisations(self):
        return scoping.visible_organisations(self.request.user)

    @cached_property
    def visible_members(self):
        return scoping.visible_members(self.request.user)

    @cached_property
    def organisation(self):
        """The organisation asked for (?org=), which must be inside the viewer's scope; without
        one, the viewer's highest organisation."""
        org_id = self.request.GET.get("org") or self.request.POST.get("org")
        if org_id:
            try:
                return self.visible_organisations.get(pk=int(org_id))
            except (ValueError, self.visible_organisations.model.DoesNotExist):
                raise Http404("organisation not in scope") from None
        top = scoping.top_organisations(self.request.user).order_by("path").first()
        if top is None:
            raise Http404("no organisation in scope")
        return top

    @cached_property
    def organisation_members(self):
        """The visible members of the chosen organisation's subtree."""
        return self.visible_members.filter(branch__path__startswith=self.organisation.path)

    def organisation_choices(self):
        return self.visible_organisations.order_by("path")

    @cached_property
    def visible_plans(self):
        """Plans on the viewer's organisations, or above them (a committee plan applies below it)."""
        paths = set()
        for org in scoping.top_organisations(self.request.user):
            paths.update(plans.ancestor_paths(org))
        return StudyPlan.objects.filter(
            Q(organisation__in=self.visible_organisations) | Q(organisation__path__in=paths)
        ).select_related("organisation")

    @cached_property
    def editable_plans(self):
        """Only plans on organisations in scope are editable (not the committee's above them)."""
        return StudyPlan.objects.filter(organisation__in=self.visible_organisations)

    @cached_property
    def month(self):
        try:
            return plans.parse_month(self.request.GET.get("month", ""))
        except ValueError:
            return plans.month_start()


# ---- reports --------------------------------------------------------------------------------


class TableReportView(LearningAdminMixin, ReportView):
    """A report page on a members.reports.Table (the table the exports and `manage.py
    learning_report` share), paginated, with Wagtail's ?export=csv|xlsx.

    The export goes through SpreadsheetExportMixin's writer hooks, each handed to members.export:
    the rows stream (CSV as it is written, XLSX spooled to disk), CSV opens with a UTF-8 BOM and
    text that a spreadsheet would run as a formula is neutralised.
    """

    template_name = "members/admin/table.html"
    paginate_by = PAGE_SIZE
    organisation_filter = True  # the ?org= choice above the table
    month_filter = False  # the ?month= choice

    def get_report(self):
        raise NotImplementedError

    @cached_property
    def report(self):
        return self.get_report()

    def get_queryset(self):
        return list(self.report.rows)  # rows may be a generator; the page's paginator counts them

    def get(self, request, *args, **kwargs):
        if self.is_export:
            # Straight to the writer: building the page's context (a paginator, a count of rows)
            # would hold every row in memory.
            return self.as_spreadsheet(self.report.rows, request.GET["export"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("export", None)
        query.pop(self.page_kwarg, None)
        context.update(report=self.report, query=query.urlencode())
        if self.organisation_filter:
            context.update(org=self.organisation, organisations=self.organisation_choices())
        if self.month_filter:
            context.update(month=self.month)
        return context

    # -- SpreadsheetExportMixin's writer, written by members.export --------------------------

    def get_filename(self):
        return self.report.filename

    def _with_rows(self, rows):
        return dataclasses.replace(self.report, rows=rows)

    def as_spreadsheet(self, rows, spreadsheet_format):
        logger.info(
            "user %s exported %s as %s", self.request.user.pk, self.report.filename, spreadsheet_format
        )
        return super().as_spreadsheet(rows, spreadsheet_format)

    def stream_csv(self, rows):
        return export.csv_lines(self._with_rows(rows))

    def write_csv_response(self, rows):
        return export.csv_response(self._with_rows(rows))

    def write_xlsx(self, rows, output):
        export.write_xlsx(self._with_rows(rows), output)

    def write_xlsx_response(self, rows):
        return export.xlsx_response(self._with_rows(rows))


class RatesView(TableReportView):
    template_name = "members/admin/rates.html"
    paginate_by = None  # every organisation of the subtree, indented, with its bar
    month_filter = True

    @cached_property
    def months(self):
        try:
            return min(max(int(self.request.GET.get("months", 6)), 1), 12)
        except ValueError:
            return 6

    def get_report(self):
        return reports.month_rates(self.organisation, self.month, months=self.months)

    def decorate_paginated_queryset(self, object_list):
        extra = self.report.extra
        return [
            {"cells": row, "depth": depth, "id": pk, "rate": row[4]}
            for row, depth, pk in zip(object_list, extra["depths"], extra["ids"], strict=True)
        ]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "months": self.months}


class NotStudiedView(TableReportView):
    month_filter = True

    def get_report(self):
        return reports.not_studied(self.organisation, self.month)


class PlanMatrixView(TableReportView):
    organisation_filter = False

    @cached_property
    def plan(self):
        return get_object_or_404(self.visible_plans.prefetch_related("items"), pk=self.kwargs["plan_id"])

    def get_report(self):
        return reports.plan_matrix(self.plan, self.visible_members)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "plan": self.plan}


class CourseMatrixView(TableReportView):
    def get_report(self):
        page = get_object_or_404(Page.objects.live(), pk=self.kwargs["page_id"]).specific
        lessons = getattr(page, "lessons", None)
        page_ids = [p.pk for p in lessons()] if callable(lessons) else [page.pk]
        org = self.organisation
        return reports.matrix(
            self.organisation_members, page_ids,
            title=f"{page.title} · {org.name}", filename=f"course-{page.pk}-{org.pk}",
        )


class MemberHistoryView(TableReportView):
    organisation_filter = False

    @cached_property
    def member(self):
        return get_object_or_404(self.visible_members, pk=self.kwargs["member_id"])

    def get_report(self):
        return reports.member_history(self.member)

    def get_context_data(self, **kwargs):
        # The apps above members add their parts of the history (quiz results): the same
        # sections the member sees at /me/history/.
        return {**super().get_context_data(**kwargs), "member": self.member,
                "sections": mepage.history_sections(self.member)}


# ---- overview and members -------------------------------------------------------------------


def _courses():
    return items.containers().only("pk", "title")[:100]


class OverviewView(LearningAdminMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "members/admin/index.html"

    def get_context_data(self, **kwargs):
        month = plans.month_start()
        return {
            **super().get_context_data(**kwargs),
            "headline": self.headline(month),
            "organisations": self.visible_organisations.order_by("path")[:300],
            "month": month,
            "plans": self.visible_plans.filter(month__gte=month - dt.timedelta(days=92))[:20],
            "members_count": self.visible_members.count(),
            "courses": _courses(),
        }

    def headline(self, month):
        """What a secretary opens the reports for, first: this month's completion rate and how
        many members have not yet studied, for each of the viewer's highest organisations."""
        rows = []
        for root in scoping.top_organisations(self.request.user).order_by("path")[:5]:
            rates = reports.month_rates(root, month)
            _name, _members, expected, done, rate = rates.rows[0][:5]
            rows.append({"org": root, "rate": rate, "expected": expected, "done": done,
                         "not_studied": reports.not_studied_count(root, month)})
        return rows


class MembersView(LearningAdminMixin, BaseListingView):
    template_name = "members/admin/members.html"
    paginate_by = PAGE_SIZE

    def get_base_queryset(self):
        return self.organisation_members.select_related("branch").order_by("branch__path", "number")

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop(self.page_kwarg, None)
        return {
            **super().get_context_data(**kwargs),
            "org": self.organisation,
            "organisations": self.organisation_choices(),
            "query": query.urlencode(),
        }


# ---- group completions and the member import ------------------------------------------------


class RecordView(LearningAdminMixin, WagtailAdminTemplateMixin, FormView):
    """A group study or a disc watched at home, recorded for members of one organisation."""

    template_name = "members/admin/record.html"
    form_class = RecordForm

    def get_initial(self):
        return {"date": timezone.localdate()}

    def get_form_kwargs(self):
        # Members who left (转出, deceased …) keep their records as they were.
        current = self.organisation_members.filter(status__in=Member.CURRENT)
        return {**super().get_form_kwargs(), "members": current}

    def form_valid(self, form):
        data = form.cleaned_data
        chosen = list(data["members"])
        for page in data["item"]:
            created = services.record_completions(
                page=page,
                members=chosen,
                how=data["how"],
                set_by=self.request.user,
                date=data["date"],
                place=data["place"],
                note=data["note"],
            )
            _log_records(data, page, chosen, self.request.user)
            already = len(chosen) - created
            messages.success(
                self.request,
                _("已为 %(n)d 名党员登记完成“%(item)s”。") % {"n": created, "item": page.title}
                + (_("另有 %(m)d 名此前已完成，保留原记录。") % {"m": already} if already else ""),
            )
        return redirect(f"{self.request.path}?org={self.organisation.pk}")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "org": self.organisation,
            "organisations": self.organisation_choices(),
        }


def _log_records(data, page, members, user):
    """Each member's recorded completion in the audit log (who recorded what for whom)."""
    how = dict(Completion.How.choices)[data["how"]]
    for member in members:
        log(member, "members.record", user=user, data={
            "member": member.name, "item": page.title, "how": str(how),
            "date": data["date"].isoformat(),
        })


class ImportView(LearningAdminMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "members/admin/import.html"
    form_class = ImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        result = importer.import_file(
            upload, upload.name, user=self.request.user, dry_run=form.cleaned_data["dry_run"]
        )
        if result.errors:
            messages.error(self.request, _("有 %(n)d 行有错误，未导入任何数据。") % {"n": len(result.errors)})
        elif result.dry_run:
            messages.info(self.request, _("检查通过：%(n)d 行可以导入。") % {"n": result.valid_rows})
        else:
            messages.success(self.request, _("已导入 %(n)d 名党员。") % {"n": result.created + result.updated})
        return self.render_to_response(self.get_context_data(form=form, result=result))


# ---- plans: the views of members.viewsets.StudyPlanViewSet ----------------------------------


class PlanIndexView(LearningAdminMixin, IndexView):
    # The template draws the plans' table itself (as before), so no Wagtail columns: the default
    # "updated" column would cost a subquery on the log table per plan.
    columns = []

    def get_base_queryset(self):
        return self.visible_plans

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = [plan.pk for plan in context["object_list"]]
        query = self.request.GET.copy()
        query.pop(self.page_kwarg, None)
        context.update(
            editable=set(self.editable_plans.filter(pk__in=shown).values_list("pk", flat=True)),
            query=query.urlencode(),
        )
        return context


class PlanFormMixin:
    """Create and edit: the form names only organisations and members in scope."""

    error_message = None  # the form shows its own errors, as before

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "organisations": self.visible_organisations,
            "members": self.visible_members,
        }

    def get_success_message(self, *args):
        return _("学习计划已保存。")


class PlanCreateView(LearningAdminMixin, PlanFormMixin, CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class PlanEditView(LearningAdminMixin, PlanFormMixin, EditView):
    def get_queryset(self):
        return self.editable_plans
