"""The plan page's filters, shared by its print view and the plan export (same GET parameters)."""

import django_filters
from django.contrib.auth import get_user_model

from core.formats import person_name
from core.forms import FilterForm, GovukDateField, iso_dates_as_parts
from improvement.forms import _rag_choices
from improvement.models import Action, ActionStatus, Recommendation, Theme


class _Choice(django_filters.ChoiceFilter):
    """A filter applied in Python to the plan's as-at state, because RAG is a rule, not a column."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, method=lambda queryset, name, value: queryset, empty_label="Any", **kwargs)


class _DateFilter(django_filters.DateFilter):
    """A date typed in GOV.UK's date input (day, month, year), as every date in the service is."""

    field_class = GovukDateField


SORT_CHOICES = [
    ("reference", "Reference (grouped by theme)"),
    ("target_date", "Target date (soonest first)"),
    ("rag", "RAG (red first)"),
    ("last_update", "Last update (oldest first)"),
]
DEFAULT_SORT = "reference"


class ActionFilter(django_filters.FilterSet):
    # Theme, lead and recommendation are plain choices read once each (self.themes is also the page's
    # list of themes), so checking a chosen value costs no query: ModelChoiceFilter would run one per
    # field to validate and another to render, which the plan page's budget of 15 cannot afford.
    theme = django_filters.ChoiceFilter(choices=[], empty_label="Any")
    rag = _Choice(label="RAG", choices=_rag_choices)
    status = _Choice(choices=ActionStatus.choices)
    lead_officer = django_filters.ChoiceFilter(label="Lead officer", choices=[], empty_label="Anyone")
    recommendation = django_filters.ChoiceFilter(field_name="recommendations", choices=[], empty_label="Any")
    overdue = _Choice(label="Overdue", choices=[("yes", "Overdue"), ("no", "Not overdue")])
    due_before = _DateFilter(label="Due before", method=lambda queryset, name, value: queryset)
    sort = django_filters.ChoiceFilter(
        label="Sort by", choices=SORT_CHOICES, method=lambda queryset, name, value: queryset, empty_label=None
    )

    class Meta:
        model = Action
        fields = ["theme", "rag", "status", "lead_officer", "recommendation", "overdue", "due_before", "sort"]
        form = FilterForm  # the service's GOV.UK widgets, and no filter marked "(optional)"

    def __init__(self, data=None, *args, plan, **kwargs):
        """Three queries: the plan's themes, its lead officers and the recommendations it answers."""
        # A link or bookmark may give ?due_before=2026-12-01; the form's date input reads three boxes.
        super().__init__(iso_dates_as_parts(data, ["due_before"]) if data is not None else None, *args, **kwargs)
        self.themes = list(Theme.objects.filter(plan=plan).order_by("order", "reference"))
        leads = (
            get_user_model()
            .objects.filter(led_actions__theme__plan=plan)
            .distinct()
            .order_by("first_name", "last_name")
        )
        recommendations = (
            Recommendation.objects.filter(actions__theme__plan=plan)
            .distinct()
            .order_by("inspection__start_date", "order", "reference")
        )
        self.filters["theme"].extra["choices"] = [(str(t.pk), str(t)) for t in self.themes]
        self.filters["lead_officer"].extra["choices"] = [(str(u.pk), person_name(u)) for u in leads]
        self.filters["recommendation"].extra["choices"] = [
            (str(r.pk), f"{r.reference}: {r.text[:60]}") for r in recommendations
        ]

    @property
    def state_filters(self) -> dict:
        """The valid filters that apply to the as-at state, as improvement.queries.filter_states takes
        them (RAG, status, overdue, due before)."""
        data = self._valid_values()
        return {name: data.get(name) or "" for name in ("rag", "status", "overdue")} | {
            "due_before": data.get("due_before")
        }

    @property
    def sort_key(self):
        return self._valid_values().get("sort") or DEFAULT_SORT

    @property
    def opened_theme(self) -> Theme | None:
        """The theme asked for when it is the only thing asked for (the plan page opens it in place)."""
        data = self._valid_values()
        chosen = data.get("theme")
        if not chosen or self.sort_key != DEFAULT_SORT or self.form.errors:
            return None
        if any(data.get(name) for name in self.filters if name not in ("theme", "sort")):
            return None
        return next(t for t in self.themes if str(t.pk) == chosen)

    @property
    def lists_actions(self) -> bool:
        """True when the request asks for a list of matching actions across themes: any filter other
        than a theme on its own, a sort other than the plan's order, or a filter with an error."""
        if self.opened_theme is not None:
            return False
        data = self._valid_values()
        asked = any(data.get(name) for name in self.filters if name != "sort")
        return asked or self.sort_key != DEFAULT_SORT or bool(self.form.errors)

    def _valid_values(self):
        # Fields that passed validation still apply when another field has an error.
        self.form.is_valid()
        return getattr(self.form, "cleaned_data", {})
