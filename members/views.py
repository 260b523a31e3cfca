"""Member-facing pages: sign-in, sign-out and my learning (/me/). Thin: the work is in services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from members import accounts, mepage, plans, reports, scoping, services
from members.forms import LoginForm, ReflectionForm, SelfReportForm
from members.models import Completion, Reflection


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a sign-in from a locked-out account or address (any login form:
    the site's, Wagtail's admin, Django's admin), in the member's language."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME * 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "members/locked_out.html", context, status=429)


class MemberLoginView(LoginView):
    # LoginView checks `next` with url_has_allowed_host_and_scheme before redirecting.
    form_class = LoginForm
    template_name = "members/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "email_reset": accounts.email_reset_enabled()}


def logout_view(request):
    if request.method == "POST":
        logout(request)
        messages.info(request, _("您已退出登录。"))
        return redirect("/")
    if request.method == "GET":
        return render(request, "members/logout.html")
    return HttpResponseNotAllowed(["GET", "POST"])


@login_required
def me(request):
    member = services.member_of(request.user)
    if member is None:
        return render(request, "members/me_not_member.html", status=200)
    learning = plans.my_learning(member)
    reflections = dict(
        Reflection.objects.filter(member=member).values_list("page_id", "text")
    )
    return render(
        request,
        "members/me.html",
        {
            "member": member,
            "learning": learning,
            "reflections": reflections,
            "reflection_form": ReflectionForm(),
            "report_form": SelfReportForm(),
            "panels": mepage.panels(member),
        },
    )


def _lesson_refusal(request, item_id):
    """A member writes about a lesson (a reflection, a reported completion) only if they may see
    it (scoping.page_access: live, Wagtail's page privacy, members-only): the 403 to answer
    (Http404 raised for a lesson that is not live), or None."""
    page = Page.objects.filter(pk=item_id).first()
    return scoping.refusal(request, scoping.page_access(request, page), sign_in_page=False)


def _planned_page_ids(member):
    return {
        item.page_id
        for plan in plans.plans_for_member(member).prefetch_related("items")
        for item in plan.items.all()
    }


@login_required
@require_POST
def save_reflection(request, item_id):
    member = services.member_or_404(request.user)
    refused = _lesson_refusal(request, item_id)
    if refused is not None:
        return refused
    try:
        services.item_rule(item_id)
    except services.ItemNotFound:
        raise Http404("no such item") from None
    form = ReflectionForm(request.POST)
    if form.is_valid():
        Reflection.objects.update_or_create(
            member=member, page_id=item_id, defaults={"text": form.cleaned_data["text"]}
        )
        messages.success(request, _("心得已保存。"))
    else:
        messages.error(request, _("心得未保存：") + " ".join(form.errors.get("text", [])))
    return redirect("members:me")


@login_required
@require_POST
def self_report(request, item_id):
    """Migrant members report an item of their plan studied elsewhere."""
    member = services.member_or_404(request.user)
    if not member.is_migrant or item_id not in _planned_page_ids(member):
        raise Http404("only migrant members report items of their plan")
    refused = _lesson_refusal(request, item_id)
    if refused is not None:
        return refused
    form = SelfReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未能报告：") + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("members:me")
    services.record_completions(
        page=item_id,
        members=[member],
        how=Completion.How.REPORTED,
        set_by=request.user,
        date=form.cleaned_data["date"],
        place=form.cleaned_data["place"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("已报告完成。"))
    return redirect("members:me")


@login_required
def my_history(request):
    """The member's own learning history: every item started or completed, with how and when."""
    member = services.member_or_404(request.user)
    table = reports.member_history(member)
    return render(request, "members/history.html", {
        "member": member, "table": table, "sections": mepage.history_sections(member),
    })
