from django.db import migrations

BUILTIN = ["农民科技培训", "集中培训", "党课", "支部会议", "“两委”会议", "党员会议", "群众大会"]


def create_kinds(apps, schema_editor):
    SessionKind = apps.get_model("attendance", "SessionKind")
    for order, name in enumerate(BUILTIN, start=1):
        SessionKind.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial")]

    operations = [migrations.RunPython(create_kinds, migrations.RunPython.noop)]
