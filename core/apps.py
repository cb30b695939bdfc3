from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Service"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from core.middleware import note_sign_in_time
        from core.roles import sync_roles_after_migrate

        # Keeps each role's permissions in step with ROLE_PERMISSIONS as apps add models.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="core.sync_roles")
        user_logged_in.connect(note_sign_in_time, dispatch_uid="core.note_sign_in_time")

        from core.purge import register_core_purgers

        register_core_purgers()
