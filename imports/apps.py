from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Imports and exports"

    def ready(self):
        # core runs `manage.py purge` but cannot import this app, so this app hands it its old uploaded files.
        from imports.retention import register_purger

        register_purger()
