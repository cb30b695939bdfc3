from imports import services
from imports.models import ImportChange, ImportJob
from improvement.models import Action, ActionUpdate, Plan, TargetDateRevision, Theme
from indicators.models import Benchmark, Indicator, Measurement, Target

DOMAIN_MODELS = (
    Plan,
    Theme,
    Action,
    ActionUpdate,
    TargetDateRevision,
    Indicator,
    Measurement,
    Target,
    Benchmark,
    ImportChange,
    Action.recommendations.through,
    # Their history too: a refused or failed import must leave no trace in the audit trail either.
    *(
        model.history.model
        for model in (Plan, Theme, Action, ActionUpdate, TargetDateRevision, Indicator, Measurement, Target, Benchmark)
    ),
)


def domain_counts():
    return {model.__name__: model.objects.count() for model in DOMAIN_MODELS}


def preview(data, name="plan.xlsx", *, kind="plan", user=None, options=None, mappings=None):
    if kind == "plan" and options is None:
        options = {"new_plan_title": "Imported plan"}
    job = services.create_job(kind=kind, file_name=name, data=data, user=user, options=options or {})
    if mappings:
        job.mappings = mappings
        job.save()
    services.preview_job(job)
    return job


def run_import(data, name="plan.xlsx", **kwargs):
    job = preview(data, name, **kwargs)
    if job.state == ImportJob.State.PREVIEWED and job.preview["can_confirm"]:
        services.apply_job(job)
    job.refresh_from_db()
    return job


def after_worker(client, response):
    """Where the status page takes the admin once the worker has read the file: every upload and every
    new mapping lands on the status page ("Reading the file"), whose script polls status.json and goes
    on to its next_url. Tests run tasks at once, so the job has finished by the time this is called."""
    from django.urls import resolve, reverse

    status_url = response.redirect_chain[-1][0] if getattr(response, "redirect_chain", None) else response["Location"]
    match = resolve(status_url)
    assert match.view_name == "imports:job_status"
    status = client.get(reverse("imports:job_status_json", args=[match.kwargs["pk"]])).json()
    assert not status["running"]
    return client.get(status["next_url"], follow=True)
