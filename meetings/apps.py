from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Boards and meetings"

    def ready(self):
        # core runs `manage.py purge` but cannot import this app, so this app hands it its old reminder logs.
        from meetings.retention import register_purger

        register_purger()

        from improvement.rules import register_published_provider
        from meetings.backdating import latest_published_packs

        # A published pack fixes what a board saw: improvement's back-dating rule must not let an entry
        # dated before it through without an admin's reason.
        register_published_provider(latest_published_packs)

        from indicators.charts import register_marker_provider
        from meetings.chart_markers import MEETING_MARKERS

        # The indicator chart marks board meetings; indicators sits below meetings and cannot read them.
        register_marker_provider(MEETING_MARKERS)

        from core.panels import register_panel_provider
        from meetings.panels import board_requests_panel

        # Written updates asked for by boards, shown on the plan action, recommendation or indicator page.
        register_panel_provider(board_requests_panel)
