from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = "Improvement plan"

    def ready(self):
        from improvement import delegates_audit
        from improvement.models import Action

        delegates_audit.connect(Action)
