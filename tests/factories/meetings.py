import datetime

import factory
from django.utils import timezone

from meetings import models


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Board

    name = factory.Sequence(lambda n: f"Children's Improvement Board {n}")
    kind = models.Board.Kind.IMPROVEMENT_BOARD
    cadence = models.Board.Cadence.MONTHLY


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Meeting

    board = factory.SubFactory(BoardFactory)
    starts_at = factory.LazyFunction(lambda: timezone.make_aware(datetime.datetime(2025, 10, 14, 14, 0)))
    place = "Committee Room 1, Town Hall"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = "Improvement plan update"


class ResolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Resolution

    item = factory.SubFactory(AgendaItemFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = "The improvement plan be received."


class MeetingActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MeetingAction

    meeting = factory.SubFactory(MeetingFactory)
    description = "A written update on the 30 September targets"
    owner_name = "Director of Children's Services"
    due_date = datetime.date(2025, 11, 11)
