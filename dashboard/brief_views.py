"""Visit briefs: publishing the progress page for a period (a confirmation page, then a POST), and the
published briefs, which are shown only from what was stored when they were published."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core import audit, clock
from core.formats import date_words
from core.permissions import service_user_required
from dashboard.models import PublishedVisitBrief
from dashboard.permissions import can_publish_briefs
from dashboard.services import brief_stamp, period_words, publish_visit_brief
from dashboard.views import PERIOD_FIELDS, progress_form
from improvement.models import Inspection
from improvement.queries import plans_newest_first
from meetings.docx_pack import DOCX_CONTENT_TYPE
from meetings.forms import form_token

NO_VISIT = "A visit brief starts at a visit: choose the visit to compare from, not a date"
NO_PLAN = "There is no improvement plan yet, so there is nothing to publish"


def _period_fields(data) -> list[tuple[str, str]]:
    """The period's own fields of a query or a POST (a GOV.UK date is three boxes), to carry them from
    the confirmation page to the publish POST."""
    names = [name for field in PERIOD_FIELDS for name in (field, f"{field}-day", f"{field}-month", f"{field}-year")]
    return [(name, data.get(name)) for name in names if data.get(name)]


@service_user_required
def brief_publish(request):
    """GET: the period the brief covers, what publishing does, and a button to confirm; POST: publish.
    Publishing cannot be undone (a brief is a permanent record), so it is never one click from the page."""
    if not can_publish_briefs(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    today = clock.today()
    inspections = list(Inspection.objects.order_by("start_date", "pk"))
    form = progress_form(data, inspections, today)
    period = form.cleaned_data["period"] if form.is_valid() else None
    plans = list(plans_newest_first()) if period else []
    problem = ""
    if period and period.start_visit is None:
        problem = NO_VISIT
    elif period and not plans:
        problem = NO_PLAN
    if request.method == "POST" and period and not problem:
        brief = publish_visit_brief(
            period=period,
            inspections=inspections,
            plans=plans,
            published_by=request.user,
            form_token=request.POST.get("form_token", "")[:64],
        )
        if brief.already_recorded:
            messages.success(request, "This brief was already published from that page; it was not published again.")
        else:
            when = date_words(brief.period_end)
            messages.success(request, f"Visit brief published as at {when}. This copy will not change.")
        return redirect(brief)
    start_words, end_words = period_words(period) if period else ("", "")
    fields = _period_fields(data)
    return render(
        request,
        "dashboard/brief_publish_confirm.html",
        {
            "form": form,
            "period": period,
            "problem": problem,
            "start_words": start_words,
            "end_words": end_words,
            "today": today,
            "fields": fields,
            "query": urlencode(fields),
            "earlier": period.start_visit.visit_briefs.count() if period and period.start_visit else 0,
            # One-time: a double-submitted publish makes one brief; publishing again needs a fresh page.
            "publish_token": form_token(),
        },
    )


def _brief(pk, *, with_docx=False) -> PublishedVisitBrief:
    briefs = PublishedVisitBrief.objects.select_related("visit")
    return get_object_or_404(briefs if with_docx else briefs.defer("docx"), pk=pk)


@service_user_required
def published_brief(request, pk):
    brief = _brief(pk)
    return render(request, "dashboard/brief_published.html", {"brief": brief, "stamp": brief_stamp(brief)})


@service_user_required
def published_brief_docx(request, pk):
    brief = _brief(pk, with_docx=True)
    response = HttpResponse(bytes(brief.docx), content_type=DOCX_CONTENT_TYPE)
    published_on = timezone.localdate(brief.published_at)
    period = f"{brief.period_start.isoformat()}-to-{brief.period_end.isoformat()}"
    filename = f"visit-brief-{period}-published-{published_on.isoformat()}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    what = f"Visit brief from {brief.content['start_words']} to {brief.content['end_words']} (Word, as published)"
    audit.record_download(request.user, response, what, brief)
    return response
