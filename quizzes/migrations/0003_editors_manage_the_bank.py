"""Editors (and moderators) manage the question bank and lesson quizzes in the admin."""

from django.db import migrations

MODELS = {"question": "题目", "option": "选项", "lessonquiz": "课后测试"}
ACTIONS = ("add", "change", "delete", "view")
GROUPS = ("Editors", "Moderators")


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = []
    for model, name in MODELS.items():
        content_type, _created = ContentType.objects.get_or_create(app_label="quizzes", model=model)
        for action in ACTIONS:
            permission, _created = Permission.objects.get_or_create(
                content_type=content_type, codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {name}"},
            )
            permissions.append(permission)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0002_question_options_inline"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
