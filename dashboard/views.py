from django import forms
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from core import cache, clock
from core.forms import ServiceForm
from core.permissions import service_user_required
from dashboard.queries import counts_by_theme, progress_between, recent_updates
from improvement.models import Inspection, Rag, Recommendation
from improvement.queries import current_plan, plan_as_at, rag_counts, recommendation_progress
from improvement.rules import is_due_before_meeting
from indicators.queries import scorecard_as_at
from meetings.queries import next_meeting_of_any_board


@service_user_required
def home(request):
    today = clock.today()
    plan = current_plan()
    # Worked out at most once a request, and only when something not in the cache needs it.
    states = SimpleLazyObject(lambda: plan_as_at(plan, today) if plan else [])
    summary = cache.cached(request, "dashboard", lambda: _dashboard_summary(plan, today, states))
    # The reader's own count stays outside what is shared: the summary holds every lead's.
    context = {key: value for key, value in summary.items() if key != "open_by_lead"}
    context["my_open_actions"] = summary["open_by_lead"].get(request.user.pk, 0)
    # The two largest sections are cached as rendered HTML (templates/dashboard/home.html), so these
    # are worked out only when that HTML is not in the cache.
    if plan:
        context["recommendations"] = SimpleLazyObject(
            lambda: recommendation_progress(
                Recommendation.objects.select_related("inspection"), plan=plan, as_at=today, plan_states=list(states)
            )
        )
    context["kpis_off_target"] = SimpleLazyObject(
        lambda: [row for row in scorecard_as_at(today) if row.rag in ("red", "amber")]
    )
    return render(request, "dashboard/home.html", context)


def _dashboard_summary(plan, today, states) -> dict:
    """The dashboard's smaller figures, the same for every reader (cached by data version and date)."""
    context = {"today": today, "plan": plan, "open_by_lead": {}}
    next_meeting = next_meeting_of_any_board(today)
    context["next_meeting"] = next_meeting
    if plan:
        context["counts"] = rag_counts(states)
        context["themes"] = counts_by_theme(states)
        context["reds"] = sorted(
            (s for s in states if s.rag == Rag.RED), key=lambda s: (-s.days_overdue, s.action.reference)
        )[:10]
        if next_meeting:
            context["due_before_next_meeting"] = [
                s
                for s in states
                if is_due_before_meeting(
                    finished=s.is_finished, target_date=s.target_date, as_at=today, meeting_date=next_meeting.date
                )
            ]
        open_by_lead = context["open_by_lead"]
        for s in states:
            if not s.is_finished and s.action.lead_officer_id:
                open_by_lead[s.action.lead_officer_id] = open_by_lead.get(s.action.lead_officer_id, 0) + 1
        context["recent_updates"] = list(recent_updates(plan))
    return context


class ProgressForm(ServiceForm):
    """Two dates to compare; or two inspections or visits, whose start dates are used."""

    from_visit = forms.ModelChoiceField(
        label="From inspection or visit",
        queryset=Inspection.objects.none(),
        required=False,
        help_text="Leave blank to use the date below",
    )
    to_visit = forms.ModelChoiceField(
        label="To inspection or visit",
        queryset=Inspection.objects.none(),
        required=False,
        help_text="Leave blank to use the date below",
    )
    from_date = forms.DateField(label="From date", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    to_date = forms.DateField(label="To date", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, inspections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_visit"].queryset = inspections
        self.fields["to_visit"].queryset = inspections

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("from_visit").start_date if cleaned.get("from_visit") else cleaned.get("from_date")
        end = cleaned.get("to_visit").start_date if cleaned.get("to_visit") else cleaned.get("to_date")
        if not start or not end:
            raise forms.ValidationError("Choose two inspections or visits, or enter two dates.")
        if start >= end:
            raise forms.ValidationError("The first date must be before the second.")
        if end > clock.today():
            raise forms.ValidationError("The second date cannot be in the future.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


@service_user_required
def progress(request):
    """Progress between two monitoring visits (or any two dates), by practice area."""
    inspections = Inspection.objects.order_by("start_date")
    # A planned visit has not happened: it is never one of "the last two visits".
    visits = [visit for visit in inspections if not visit.is_planned]
    data = request.GET if request.GET else None
    if data is None and len(visits) >= 2:
        # By default, the last two visits: what boards ask about after each monitoring visit.
        data = {"from_visit": visits[-2].pk, "to_visit": visits[-1].pk}
    form = ProgressForm(data, inspections=inspections)
    context = {"form": form, "plan": current_plan()}
    if data is not None and form.is_valid() and context["plan"]:
        context["start"], context["end"] = form.cleaned_data["start"], form.cleaned_data["end"]
        start, end, plan = context["start"], context["end"], context["plan"]
        # The comparison is cached as rendered HTML (templates/dashboard/progress.html), keyed by the
        # plan and the two dates: worked out only when that HTML is not in the cache.
        result = SimpleLazyObject(lambda: progress_between(plan, start, end))
        for key in ("before", "after", "changes", "themes"):
            context[key] = SimpleLazyObject(lambda key=key: result[key])
    return render(request, "dashboard/progress.html", context)
