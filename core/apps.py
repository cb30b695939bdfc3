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

        from django.db import connections
        from django.db.backends.signals import connection_created
        from django.db.models.signals import pre_migrate

        from core import dataversion

        # Every write to the service's data bumps the data version that cached pages are keyed by.
        connection_created.connect(dataversion.install, dispatch_uid="core.data_version")
        for connection in connections.all(initialized_only=True):
            dataversion.install(connection)
        pre_migrate.connect(dataversion.pause_for_migrate, dispatch_uid="core.data_version_pause")
        post_migrate.connect(dataversion.resume_after_migrate, dispatch_uid="core.data_version_resume")
