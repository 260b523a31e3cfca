"""Template helpers of members' pages (the site header's workbench link)."""

from django import template

from members import mepage, scoping

register = template.Library()


@register.filter
def has_workbench(user):
    """Holds a role (or administers): the header and /me/ link to the workbench, /branch/."""
    return scoping.can_see_reports(user)


@register.inclusion_tag("members/lesson_sections.html", takes_context=True)
def lesson_sections(context, page):
    """Sections apps above members add under a lesson (members.mepage), e.g. its quiz."""
    request = context.get("request")
    if request is None:
        return {"sections": []}
    return {"sections": mepage.lesson_sections(request, page), "request": request}
