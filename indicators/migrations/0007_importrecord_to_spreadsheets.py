# ImportRecord moved to the spreadsheets app (issue 13): gone from this app's state only.
# Its table, indicators_importrecord, stays and keeps its rows (spreadsheets' 0001 takes it over).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0006_validated_codes_and_text"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportRecord")],
            database_operations=[],
        ),
    ]
