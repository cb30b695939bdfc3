from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Capability",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"))],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("use_service", "Can sign in and use the service"),
                    ("use_admin_site", "Can use the Django admin"),
                    ("run_imports", "Can import and export spreadsheets"),
                ],
            },
        ),
    ]
