"""The actions arising register's filters. Their state lives in the query string, so a filtered
register can be bookmarked or sent to a chair."""

import django_filters

from core import clock
from core.forms import FilterForm
from meetings import queries
from meetings.models import Board, MeetingAction

OVERDUE_CHOICES = [("yes", "Overdue only"), ("no", "Not overdue")]


class ActionArisingFilter(django_filters.FilterSet):
    board = django_filters.ModelChoiceFilter(
        field_name="meeting__board", label="Board", queryset=Board.objects.order_by("name"), empty_label="Any board"
    )
    owner = django_filters.ChoiceFilter(field_name="owner_name", label="Asked of", empty_label="Anyone")
    kind = django_filters.ChoiceFilter(
        label="What was asked for", choices=MeetingAction.Kind.choices, empty_label="Anything"
    )
    overdue = django_filters.ChoiceFilter(
        label="Overdue", choices=OVERDUE_CHOICES, empty_label="Any", method="filter_overdue"
    )

    class Meta:
        model = MeetingAction
        fields = ["board", "owner", "kind", "overdue"]
        form = FilterForm  # the service's GOV.UK widgets, and no filter marked "(optional)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The owner choices are read when the form is first used (one query), not at import.
        self.filters["owner"].extra["choices"] = lambda: [(name, name) for name in queries.register_owner_names()]

    def filter_overdue(self, queryset, name, value):
        today = clock.today()
        if value == "yes":
            return queryset.filter(due_date__lt=today)
        if value == "no":
            return queryset.exclude(due_date__lt=today)
        return queryset

    @property
    def is_filtered(self) -> bool:
        return bool(self.form.is_bound and any(self.data.get(name) for name in self.filters))
