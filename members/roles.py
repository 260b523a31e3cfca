"""Giving people their roles (used by the demo, the import and the tests)."""

from django.contrib.auth.models import Group, Permission

from members.models import Secretary
from members.scoping import EDITORS_GROUP, SECRETARIES_GROUP


def secretaries_group():
    """Secretaries may open the Wagtail admin (for the reports) and nothing else there."""
    group, _ = Group.objects.get_or_create(name=SECRETARIES_GROUP)
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access is not None:
        group.permissions.add(access)
    return group


def make_secretary(user, organisation):
    Secretary.objects.get_or_create(user=user, organisation=organisation)
    user.groups.add(secretaries_group())
    user.__dict__.pop("_members_root_paths", None)
    return user


def make_editor(user):
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    user.groups.add(group)
    return user
