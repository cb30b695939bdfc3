"""A data version per table (core/dataversion.py): the counters so far become the wildcard's ("*"),
which every table's version includes, so no version moves backwards."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_worker_heartbeat'),
    ]

    operations = [
        migrations.AddField(
            model_name='dataversion',
            name='table_name',
            field=models.CharField(db_index=True, default='*', max_length=100),
        ),
    ]
