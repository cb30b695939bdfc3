"""The database cache's table (settings.CACHES), so `migrate` is the only set-up step a deployment runs.

The throttle counters live there, shared by every web process; createcachetable leaves an existing
table alone and does nothing for caches that are not in the database.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_manage_users_permission"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
