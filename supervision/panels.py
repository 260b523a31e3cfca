"""Panels supervision gives the member's page /me/ (members.mepage's contract)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision import services, vanguard


def vanguard_panel(member):
    if not vanguard.rules_for(member.branch.path):
        return None
    year = timezone.localdate().year
    row = vanguard.member_index(member, year)
    return {"title": _("我的先锋指数"),
            "text": _("%(year)s年 %(total)s 分") % {"year": year, "total": row["total"]},
            "url": reverse("supervision:my_index"), "link": _("查看明细")}


def appraisal_panel(member):
    appraisal = services.open_appraisal_for(member)
    if appraisal is None:
        return None
    return {"title": _("民主评议党员"),
            "text": _("%(date)s 截止") % {
                "date": f"{timezone.localtime(appraisal.closes_at):%m-%d %H:%M}"},
            "url": reverse("supervision:appraisal_rate"), "link": _("参加评议")}


def rectification_panel(organisation, members):
    """The branch workbench (/branch/, members.workbench's contract): open rectification items."""
    today = timezone.localdate()
    items = list(services.Rectification.objects.filter(
        organisation__path__startswith=organisation.path,
        status=services.Rectification.Status.OPEN).order_by("deadline", "pk")[:50])
    if not items:
        return None
    overdue = _("（已逾期）")
    return {
        "title": _("整改事项"), "count": len(items),
        "items": [f"{i.deadline:%m-%d} {i.what}{overdue if i.deadline < today else ''}"
                  for i in items[:10]],
        "url": f"{reverse('supervision:rectifications')}?org={organisation.pk}",
    }
