"""Template helpers of members' pages (the site header's workbench link)."""

from django import template

from members import scoping

register = template.Library()


@register.filter
def has_workbench(user):
    """Holds a role (or administers): the header and /me/ link to the workbench, /branch/."""
    return scoping.can_see_reports(user)
