from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Boards and meetings"

    def ready(self):
        # core runs `manage.py purge` but cannot import this app, so this app hands it its old reminder logs.
        from meetings.retention import register_purger

        register_purger()
