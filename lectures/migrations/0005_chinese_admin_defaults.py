"""Wagtail's migrations create a workflow and its task named "Moderators approval" and the root
collection named "Root": English names that county editors then meet in the admin ("提交到
Moderators approval", "Root" in every collection chooser). They get Chinese names here, only where
nobody has renamed them yet; reversing restores Wagtail's names."""

from django.db import migrations

NAMES = {"Moderators approval": "审核发布"}
ROOT = ("Root", "全部文件")


def to_chinese(apps, schema_editor):
    rename(apps, {old: new for old, new in NAMES.items()}, *ROOT)


def to_english(apps, schema_editor):
    rename(apps, {new: old for old, new in NAMES.items()}, *reversed(ROOT))


def rename(apps, names, root_from, root_to):
    for model in (apps.get_model("wagtailcore", "Workflow"), apps.get_model("wagtailcore", "Task")):
        for old, new in names.items():
            model.objects.filter(name=old).update(name=new)
    apps.get_model("wagtailcore", "Collection").objects.filter(depth=1, name=root_from).update(name=root_to)


class Migration(migrations.Migration):
    dependencies = [
        ("lectures", "0004_chinese_labels"),
        ("wagtailcore", "0048_add_default_workflows"),
        ("wagtailcore", "0025_collection_initial_data"),
    ]

    operations = [migrations.RunPython(to_chinese, to_english)]
