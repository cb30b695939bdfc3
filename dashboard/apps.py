from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        # Imported here: the registries below live in lower apps, and these modules read models.
        from core.panels import register_panel_provider
        from dashboard.panels import visit_briefs_panel
        from dashboard.queries import VISIT_BRIEF_PAPERS
        from meetings.pack import register_paper_source

        # The briefs published from a visit, on the visit's page (improvement cannot import this app).
        register_panel_provider(visit_briefs_panel, for_reader=True)
        # A brief goes into the next pack of every board whose next meeting falls after it was published.
        register_paper_source(VISIT_BRIEF_PAPERS)
