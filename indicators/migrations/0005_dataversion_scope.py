"""Scoped data versions: the one row becomes the `all` scope; `structure` is added."""

from django.core.management.color import no_style
from django.db import migrations, models


def name_scopes(apps, schema_editor):
    DataVersion = apps.get_model("indicators", "DataVersion")
    DataVersion.objects.filter(pk=1).update(scope="all")
    # 0004 made row 1 with an explicit key, so PostgreSQL's sequence still stands at 1.
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [DataVersion]):
            cursor.execute(sql)
    version = DataVersion.objects.filter(scope="all").values_list("version", flat=True).first() or 0
    DataVersion.objects.get_or_create(scope="structure", defaults={"version": version})


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0004_dataversion"),
    ]

    operations = [
        migrations.AddField(
            model_name="dataversion",
            name="scope",
            field=models.CharField(max_length=250, null=True),
        ),
        migrations.RunPython(name_scopes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dataversion",
            name="scope",
            field=models.CharField(max_length=250, unique=True),
        ),
    ]
