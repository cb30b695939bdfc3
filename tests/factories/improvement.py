import datetime

import factory

from improvement import models
from improvement.services import refresh_state_history
from tests.factories.core import UserFactory


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Inspection

    kind = models.Inspection.Kind.ILACS_STANDARD
    title = "Inspection of children's services"
    start_date = datetime.date(2025, 1, 13)
    end_date = datetime.date(2025, 1, 24)
    overall_judgement = models.Judgement.INADEQUATE


class InterventionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.InterventionEvent

    kind = models.InterventionEvent.Kind.STATUTORY_DIRECTION
    date = datetime.date(2025, 4, 1)


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Recommendation

    inspection = factory.SubFactory(InspectionFactory)
    reference = factory.Sequence(lambda n: f"R{n + 1}")
    text = "The quality and timeliness of assessments"


class VisitFindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.VisitFinding

    inspection = factory.SubFactory(InspectionFactory, kind=models.Inspection.Kind.MONITORING_VISIT)
    text = "Strategy meetings are too often held without the police."


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Plan

    title = "Children's Services Improvement Plan"
    version = "v1"
    status = models.Plan.Status.ACTIVE
    start_date = datetime.date(2025, 4, 1)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Theme

    plan = factory.SubFactory(PlanFactory)
    reference = factory.Sequence(lambda n: str(n + 1))
    title = "Children in need of help and protection"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Action

    theme = factory.SubFactory(ThemeFactory)
    reference = factory.Sequence(lambda n: f"1.{n + 1}")
    title = "Improve the timeliness of assessments"
    lead_officer = factory.SubFactory(UserFactory, role="Officer")
    lead_job_title = "Head of Service"
    start_date = datetime.date(2025, 4, 1)
    original_target_date = datetime.date(2026, 3, 31)
    target_date = factory.SelfAttribute("original_target_date")
    added_on = datetime.date(2025, 4, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Its state history written, as every writer does; the current state stays as the test set it.
        action = super()._create(model_class, *args, **kwargs)
        refresh_state_history([action])
        return action


class TargetDateRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TargetDateRevision

    action = factory.SubFactory(ActionFactory)
    previous_date = factory.SelfAttribute("action.original_target_date")
    new_date = datetime.date(2026, 6, 30)
    reason = "Recruitment delayed"
    agreed_by = "Improvement board"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The action's state history follows its log, as when a service writes an entry; the stored current
        # state stays as the test set it (tests of the one writer call refresh_action_state themselves).
        entry = super()._create(model_class, *args, **kwargs)
        refresh_state_history([entry.action_id])
        return entry


class ActionUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ActionUpdate

    action = factory.SubFactory(ActionFactory)
    date = datetime.date(2025, 6, 1)
    author = factory.SelfAttribute("action.lead_officer")
    status = models.ActionStatus.IN_PROGRESS
    progress = models.Progress.ON_TRACK
    narrative = "Work is under way."
    computed_rag = models.Rag.GREEN

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The action's state history follows its log, as when a service writes an entry; the stored current
        # state stays as the test set it (tests of the one writer call refresh_action_state themselves).
        entry = super()._create(model_class, *args, **kwargs)
        refresh_state_history([entry.action_id])
        return entry
