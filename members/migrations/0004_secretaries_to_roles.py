"""Data: today's secretaries become members holding the role 书记, and the 流动党员 flag becomes the
status. A secretary's account without a member profile gets one in the organisation it served
(secretaries are members; the profile's number is made up from the account and may be edited)."""

from django.db import migrations
from django.utils import timezone


def _free_number(Member, base):
    number, n = base, 1
    while Member.objects.filter(number=number).exists() or Member.objects.filter(phone=number).exists():
        n += 1
        number = f"{base}-{n}"
    return number


def forwards(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Role = apps.get_model("members", "Role")
    Secretary = apps.get_model("members", "Secretary")
    Member.objects.filter(is_migrant=True, status="normal").update(status="migrant")
    today = timezone.localdate()
    for row in Secretary.objects.select_related("user", "organisation").order_by("pk"):
        user = row.user
        member = Member.objects.filter(user=user).first()
        if member is None:
            name = (f"{user.last_name}{user.first_name}".strip() or user.username)[:60]
            member = Member.objects.create(
                user=user, name=name, number=_free_number(Member, f"S{user.pk:05d}"),
                branch=row.organisation,
            )
        Role.objects.get_or_create(
            member=member, organisation=row.organisation, kind="secretary",
            defaults={"started_on": today, "note": "由原书记账号迁移"},
        )


def backwards(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Role = apps.get_model("members", "Role")
    Secretary = apps.get_model("members", "Secretary")
    Member.objects.filter(status="migrant").update(is_migrant=True)
    for role in Role.objects.filter(ended_on=None).select_related("member"):
        Secretary.objects.get_or_create(user_id=role.member.user_id, organisation_id=role.organisation_id)


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0003_register_roles_accounts"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
