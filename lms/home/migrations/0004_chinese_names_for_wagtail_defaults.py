from django.db import migrations

# What Wagtail's own migrations name in English, and what staff read instead. Renamed only
# while they still carry Wagtail's name, so a name a township chose is kept.
PAGES = {"Root": "全部站点"}
COLLECTIONS = {"Root": "全部文件"}
WORKFLOWS = {"Moderators approval": "审核员审批"}
TASKS = {"Moderators approval": "审核员审批"}
GROUPS = {"Moderators": "审核员", "Editors": "编辑"}


def _rename(model, field, names, *, depth=None):
    for old, new in names.items():
        rows = model.objects.filter(**{field: old})
        if depth is not None:
            rows = rows.filter(depth=depth)
        extra = {"draft_title": new} if field == "title" else {}
        rows.update(**{field: new}, **extra)


def to_chinese(apps, schema_editor):
    _rename(apps.get_model("wagtailcore", "Page"), "title", PAGES, depth=1)
    _rename(apps.get_model("wagtailcore", "Collection"), "name", COLLECTIONS, depth=1)
    _rename(apps.get_model("wagtailcore", "Workflow"), "name", WORKFLOWS)
    _rename(apps.get_model("wagtailcore", "Task"), "name", TASKS)
    _rename(apps.get_model("auth", "Group"), "name", GROUPS)


def to_english(apps, schema_editor):
    def flip(names):
        return {new: old for old, new in names.items()}

    _rename(apps.get_model("wagtailcore", "Page"), "title", flip(PAGES), depth=1)
    _rename(apps.get_model("wagtailcore", "Collection"), "name", flip(COLLECTIONS), depth=1)
    _rename(apps.get_model("wagtailcore", "Workflow"), "name", flip(WORKFLOWS))
    _rename(apps.get_model("wagtailcore", "Task"), "name", flip(TASKS))
    _rename(apps.get_model("auth", "Group"), "name", flip(GROUPS))


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0003_notification"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(to_chinese, to_english)]
