"""The data version's table and its first row (core/dataversion.py).

Writers also create a row when they find none they can lock, so a flushed table still works.
"""

from django.db import migrations, models


def first_row(apps, schema_editor):
    apps.get_model("core", "DataVersion").objects.using(schema_editor.connection.alias).create(counter=1)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_create_cache_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("counter", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "data version",
            },
        ),
        migrations.RunPython(first_row, migrations.RunPython.noop),
    ]
