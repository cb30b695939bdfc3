from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from core import audit, cache, clock
from core.formats import date_words
from core.forms import GovukDateField, ServiceForm, iso_dates_as_parts
from core.permissions import service_user_required
from core.roles import is_admin
from dashboard.charts import rag_trend_figure
from dashboard.docx_progress import progress_docx_bytes
from dashboard.permissions import can_publish_briefs
from dashboard.progress import Period, build_progress
from dashboard.queries import (
    attach_events,
    dashboard_reads,
    import_status,
    intervention_markers,
    rag_trend,
    upcoming_meetings_for,
)
from improvement.models import Inspection
from improvement.queries import (
    current_plan_from,
    plan_summary_as_at,
    plans_newest_first,
    risk_rows,
    you_said_we_did_rows,
)
from improvement.rules import (
    latest_held_visit,
    next_planned_visit,
)
from indicators.queries import off_target_as_at
from meetings.docx_pack import DOCX_CONTENT_TYPE
from meetings.pack import plan_in_force_from


class AsAtForm(ServiceForm):
    """The dashboard as at a past date (blank: today)."""

    as_at = GovukDateField(label="As at", required=False, help_text="For example 4 6 2026. Leave blank for today")

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_as_at(self):
        day = self.cleaned_data.get("as_at")
        if day and day > self.today:
            raise forms.ValidationError("The date must be today or in the past")
        return day


@service_user_required
def home(request):
    """Every role's first screen. What every reader sees alike (the counts, the chart, the lists, the
    KPIs off target, the risks) is rendered once per data version, day and as-at date, without the
    request, as the indicator page is (core.cache; templates/dashboard/includes/dashboard_body.html):
    a cached request then costs the session, the reader's meetings, the data version and one cache
    read, whatever the size of the plan. The reader's own figures (their open actions, those needing
    an update) are rendered in the same pass for every lead and picked out here, so nothing of one
    reader reaches another's page."""
    today = clock.today()
    query = iso_dates_as_parts(request.GET, ["as_at"])
    form = AsAtForm(query if "as_at-year" in query else None, today=today)
    as_at = (form.cleaned_data.get("as_at") if form.is_bound and form.is_valid() else None) or today
    # The next meeting of any board, the reader's boards' next meetings and the latest visit brief: one query.
    upcoming = upcoming_meetings_for(request.user, as_at)
    page = cache.cached(
        request,
        "dashboard-page",
        lambda: _dashboard_page(as_at, today, upcoming.next_meeting),
        parts=(as_at,),
        reads=dashboard_reads(),
    )
    mine = page["leads"].get(request.user.pk, {})
    context = {
        "form": form,
        "as_at": as_at,
        "is_today": as_at == today,
        "plan": page["plan"],
        "latest_visit": page["latest_visit"],
        "has_chart": page["has_chart"],
        "body": page["body"],
        "my_open_actions": mine.get("open", 0),
        "my_actions_needing_update": mine.get("needing", ""),
        "my_meetings": upcoming.mine,
        "latest_brief": upcoming.latest_brief,
    }
    if is_admin(request.user):
        context["import_status"] = import_status()
    return render(request, "dashboard/home.html", context)


def _dashboard_page(as_at, today, next_meeting) -> dict:
    """The shared part of the first screen as at `as_at`: the plan, the latest visit, the body's HTML
    (rendered without the request: no session, user or CSRF token can reach the cache) and each lead's
    own part, {lead id: {"open": n, "needing": HTML}}. Fixed queries whatever the size: the plan's
    figures are the database's aggregates and the few rows the lists show (plan_summary_as_at), not the
    whole plan read and counted here, so a miss after every write stays cheap."""
    inspections = list(Inspection.objects.order_by("start_date", "pk"))
    plans = list(plans_newest_first())
    # Today: the current plan; an earlier date: the plan the boards were looking at then.
    plan = current_plan_from(plans) if as_at == today else plan_in_force_from(plans, as_at)
    context = _dashboard_summary(plan, as_at, plans, inspections, next_meeting)
    context["as_at"] = as_at
    context["is_today"] = as_at == today
    context["latest_visit"] = latest_held_visit(inspections, today)
    context["chart"] = rag_trend_figure(context["trend"], context["markers"])
    context["kpis_off_target"] = off_target_as_at(as_at)
    summary = context.pop("summary")
    leads = {lead: {"open": count} for lead, count in summary.open_by_lead.items()}
    for lead, needing in summary.needing_by_lead.items():
        leads.setdefault(lead, {})["needing"] = render_to_string(
            "dashboard/includes/my_updates.html",
            {"my_actions_needing_update": needing, "needing_count": summary.needing_count_by_lead.get(lead, 0)},
        )
    return {
        "plan": plan,
        "latest_visit": context["latest_visit"],
        "has_chart": context["chart"] is not None,
        "body": render_to_string("dashboard/includes/dashboard_body.html", context),
        "leads": leads,
    }


def _dashboard_summary(plan, today, plans, inspections, next_meeting) -> dict:
    """The dashboard's figures as at `today` (a past date, or today), the same for every reader, with
    every lead's open actions and those needing an update (summary: plan_summary_as_at)."""
    context = {"today": today, "plan": plan}
    context["next_meeting"] = next_meeting
    # Open risks as they stand (the register is not read "as at"), highest first: one query.
    risks = risk_rows()
    context["risks"] = risks[:5]
    shown = len(context["risks"])
    context["risks_caption"] = (
        f"The {shown} highest of {len(risks)} open risks" if len(risks) > shown else "Open risks, highest first"
    )
    context["trend"] = rag_trend(plans, inspections, today)
    context["markers"] = []
    if context["trend"]:
        context["markers"] = intervention_markers(inspections, context["trend"][0].day.replace(day=1), today)
        attach_events(context["trend"], context["markers"])
    # The meeting's date is worked out from its start time each time it is read.
    summary = plan_summary_as_at(plan, today, meeting_date=next_meeting.date if next_meeting else None)
    context["summary"] = summary
    if plan:
        context["counts"] = summary.counts
        context["themes"] = summary.themes
        context["recommendations"] = summary.recommendations
        context["reds"] = summary.reds
        if next_meeting:
            context["due_before_next_meeting"] = summary.due_before_meeting
        context["recent_updates"] = summary.recent_updates
        context["complete_without_evidence"] = summary.complete_without_evidence
        context["complete_without_evidence_count"] = summary.complete_without_evidence_count
    return context


TODAY_CHOICE = "today"
NEXT_CHOICE = "next"


class ProgressForm(ServiceForm):
    """The period to compare: a visit (or a date) and another visit, today or the next planned visit. A
    visit stands for its last day. Either side may be left blank: the start is then the latest held
    visit, the end today."""

    from_visit = forms.ChoiceField(label="From visit or inspection", required=False)
    from_date = GovukDateField(
        label="Or from a date", required=False, help_text="For example 27 3 2026. Leave blank to use the visit"
    )
    to_visit = forms.ChoiceField(label="To", required=False)
    to_date = GovukDateField(label="Or to a date", required=False, help_text="Leave blank to use the choice above")

    def __init__(self, *args, visits=(), next_visit=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.visits = {str(v.pk): v for v in visits}
        self.next_visit = next_visit
        latest = latest_held_visit(visits, today)
        self.latest = latest
        newest_first = sorted(visits, key=lambda v: (v.last_day, v.pk), reverse=True)
        choices = [(str(v.pk), f"{v} (last day {date_words(v.last_day)})") for v in newest_first]
        self.fields["from_visit"].choices = [("", "The latest visit" if latest else "Choose a visit"), *choices]
        to = [(TODAY_CHOICE, "Today")]
        if next_visit is not None:
            when = date_words(next_visit.start_date)
            to.append((NEXT_CHOICE, f"Today, and what is due before the next visit ({when})"))
        self.fields["to_visit"].choices = [*to, *choices]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        from_visit, from_date = cleaned.get("from_visit"), cleaned.get("from_date")
        to_visit, to_date = cleaned.get("to_visit"), cleaned.get("to_date")
        if from_visit and from_date:
            self.add_error("from_date", "Choose a visit or enter a date to compare from, not both")
        if to_date and to_visit not in ("", TODAY_CHOICE):
            self.add_error("to_date", "Choose a visit or enter a date to compare to, not both")
        if self.errors:
            return cleaned
        start_visit = self.visits.get(from_visit) if from_visit else (None if from_date else self.latest)
        start = from_date or (start_visit.last_day if start_visit else None)
        if start is None:
            self.add_error("from_date", "No visit has been held yet: enter a date to compare from")
            return cleaned
        end_visit = self.visits.get(to_visit) if to_visit not in ("", TODAY_CHOICE, NEXT_CHOICE) else None
        end = to_date or (end_visit.last_day if end_visit else self.today)
        if start > self.today:
            self.add_error("from_date", "The date to compare from must be today or in the past")
        elif end > self.today:
            self.add_error("to_date", "The date to compare to must be today or in the past")
        elif start >= end:
            field = "from_date" if from_date else "from_visit"
            self.add_error(field, "The date to compare from must be before the date to compare to")
        if self.errors:
            return cleaned
        cleaned["period"] = Period(
            start=start,
            end=end,
            start_visit=start_visit,
            end_visit=end_visit,
            next_visit=self.next_visit if end == self.today else None,
        )
        return cleaned


PERIOD_FIELDS = ("from_visit", "from_date", "to_visit", "to_date")


def progress_form(data, inspections: list, today) -> ProgressForm:
    """The period picker bound to `data` (a query or a POST), choosing among the visits held by today."""
    held = [v for v in inspections if not v.is_planned and v.last_day <= today]
    return ProgressForm(
        iso_dates_as_parts(data, ["from_date", "to_date"]),
        visits=held,
        next_visit=next_planned_visit(inspections, today),
        today=today,
    )


def _progress_with_chart(period, inspections, plans, all_kpis):
    result = build_progress(period, inspections=inspections, plans=plans, all_kpis=all_kpis)
    result.chart = rag_trend_figure(result.trend, result.markers)
    return result


def _progress(request):
    """The form and, when it is valid, the comparison: inspections (1) and plans (1) are read once for
    the picker and for build_progress."""
    today = clock.today()
    inspections = list(Inspection.objects.order_by("start_date", "pk"))
    form = progress_form(request.GET, inspections, today)
    context = {"form": form, "today": today}
    if form.is_valid():
        plans = list(plans_newest_first())
        if plans:
            period = form.cleaned_data["period"]
            context["period"] = period
            context["all_kpis"] = request.GET.get("kpis") == "all"
            # Worked out once until the data or the date changes (core.cache), keyed by the period.
            parts = (period.start, period.end, *(v.pk if v else None for v in (period.start_visit, period.end_visit,
                     period.next_visit)), context["all_kpis"])  # fmt: skip
            # Lazy: when the page's rendered sections come from the cache (templates/dashboard/progress.html),
            # the comparison is never read or worked out.
            context["result"] = cache.lazy(
                request,
                "progress",
                lambda: _progress_with_chart(period, inspections, plans, context["all_kpis"]),
                parts=parts,
            )
            context["has_result"] = True
            context["cache_parts"] = repr(parts)
            context["you_said_we_did"] = you_said_we_did_rows(since=period.start, until=period.end)
        else:
            context["no_plan"] = True
    return context


@service_user_required
def progress(request):
    """Progress between two monitoring visits (or dates): what Ofsted said, what has changed since."""
    context = _progress(request)
    query = request.GET.copy()
    query.pop("kpis", None)
    context["query"] = query.urlencode()
    context["can_publish_brief"] = can_publish_briefs(request.user)
    return render(request, "dashboard/progress.html", context)


@service_user_required
def progress_print(request):
    context = _progress(request)
    context["query"] = request.GET.urlencode()
    return render(request, "dashboard/progress_print.html", context)


@service_user_required
def progress_docx(request):
    context = _progress(request)
    if "result" not in context:
        return redirect(reverse("progress") + "?" + request.GET.urlencode())
    result = context["result"]
    docx = progress_docx_bytes(result, you_said_we_did=context["you_said_we_did"])
    response = HttpResponse(docx, content_type=DOCX_CONTENT_TYPE)
    filename = f"progress-{result.period.start.isoformat()}-to-{result.period.end.isoformat()}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    words = f"Progress from {date_words(result.period.start)} to {date_words(result.period.end)} (Word)"
    audit.record_download(request.user, response, words)
    return response
