# ImportRecord, moved from the indicators app (issue 13) with its table, indicators_importrecord:
# made in this app's state only (the table and its rows are there already), and its content
# type relabelled so the permissions the roles hold on it (and the admin log) follow it.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _relabel_content_type(apps, schema_editor, old: str = "indicators", new: str = "spreadsheets") -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="importrecord").exists():
        ContentType.objects.filter(app_label=old, model="importrecord").update(app_label=new)


def _relabel_back(apps, schema_editor) -> None:
    _relabel_content_type(apps, schema_editor, old="spreadsheets", new="indicators")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("indicators", "0007_importrecord_to_spreadsheets"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("file_name", models.CharField(max_length=255)),
                        (
                            "source",
                            models.CharField(
                                choices=[("web", "Upload"), ("owner", "Owner template upload"), ("command", "Command line")],
                                default="web",
                                max_length=10,
                            ),
                        ),
                        ("counts", models.JSONField(default=dict)),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "indicators_importrecord", "ordering": ["-created_at"]},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_relabel_content_type, _relabel_back),
    ]
