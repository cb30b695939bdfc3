"""Writes of the dashboard app: publishing a visit brief."""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core import clock
from core.formats import date_words
from dashboard.charts import rag_trend_figure
from dashboard.docx_progress import progress_docx_bytes
from dashboard.models import PublishedVisitBrief
from dashboard.progress import Period, build_progress
from improvement.models import Inspection
from improvement.queries import you_said_we_did_rows
from improvement.rules import rag_label
from meetings.services import first_use, use_token

# 2: the brief carries "you said, we did" for its period (its HTML and Word copy); a version 1 brief
# was published without it and keeps showing what it stored.
BRIEF_VERSION = 2
TOKEN_PURPOSE = "visit_brief"


class NoVisitError(ValueError):
    """A visit brief follows a visit: the period must start at one."""


def period_words(period: Period) -> tuple[str, str]:
    """("Monitoring visit 2 (4 June 2026)", "2 December 2026"): each end as the brief names it. The end
    is a date, not "today", because the brief is read long after its day."""
    start = f"{period.start_visit} ({date_words(period.start)})" if period.start_visit else date_words(period.start)
    end = f"{period.end_visit} ({date_words(period.end)})" if period.end_visit else date_words(period.end)
    return start, end


def brief_stamp(brief: PublishedVisitBrief) -> str:
    """The line on every copy of a brief: what it covers, its data date and its publication date."""
    published_on = timezone.localtime(brief.published_at)
    return (
        f"Visit brief from {brief.content['start_words']} to {brief.content['end_words']}, published by "
        f"{brief.published_by_name} on {date_words(published_on)}. Data as at {date_words(brief.period_end)}; "
        f"published on {date_words(published_on)}. Figures as known on that day; later changes are not shown."
    )


def _counts(counts) -> list[dict]:
    return [{"rag": rag, "label": rag_label(rag), "count": count} for rag, count in counts]


def _summary(result, *, start_words: str, end_words: str, published_on, you_said_we_did: list) -> dict:
    """The brief's few figures as plain data, for the lists that name it (the visit's page, the packs, the
    dashboard) without reading its HTML."""
    period = result.period
    next_visit = period.next_visit
    return {
        "version": BRIEF_VERSION,
        "start_words": start_words,
        "end_words": end_words,
        "published_on": published_on.isoformat(),
        "visit": {"id": period.start_visit.pk, "name": str(period.start_visit)},
        "end_visit": {"id": period.end_visit.pk, "name": str(period.end_visit)} if period.end_visit else None,
        "next_visit": (
            {"id": next_visit.pk, "name": str(next_visit), "date": next_visit.start_date.isoformat()}
            if next_visit
            else None
        ),
        "plan": str(result.plan) if result.plan else "",
        "counts_before": _counts(result.counts_before),
        "counts_after": _counts(result.counts_after),
        "completed": len(result.completed),
        "reopened": len(result.reopened),
        "new_reds": len(result.new_reds),
        "added": len(result.added),
        "dates_moved": len(result.moved),
        "kpis_turned_red": len(result.kpis_turned_red),
        "has_chart": bool(result.trend),
        "you_said_we_did": len(you_said_we_did),
    }


@transaction.atomic
def publish_visit_brief(
    *, period: Period, inspections: list, plans: list, published_by, form_token: str = "", published_at=None
) -> PublishedVisitBrief:
    """Freeze the progress page for `period` (which must start at a visit): its sections as rendered now,
    a summary and the Word document are stored and never re-read from the live plan or KPIs, so the brief
    shows what was known on the day it was published. `inspections` and `plans` are the lists the page
    read (plans newest first). The same form submitted twice (same `form_token`) publishes once: the
    second gets the first brief back, marked `already_recorded`."""
    if period.start_visit is None:
        raise NoVisitError("A visit brief starts at a visit: choose the visit to compare from")
    # Locked so two submissions of one form cannot both find the token unused.
    Inspection.objects.select_for_update().filter(pk=period.start_visit.pk).first()
    earlier = first_use(form_token, TOKEN_PURPOSE, PublishedVisitBrief)
    if earlier is not None:
        earlier.already_recorded = True
        return earlier
    published_at = published_at or clock.now()
    published_on = timezone.localdate(published_at)
    result = build_progress(period, inspections=inspections, plans=plans)
    # The page shows "you said, we did" for the period outside its cached sections (and the print view
    # and Word download have it), so the brief stores it beside them: as it stands on the data date.
    you_said = you_said_we_did_rows(since=period.start, until=period.end)
    start_words, end_words = period_words(period)
    content = _summary(
        result, start_words=start_words, end_words=end_words, published_on=published_on, you_said_we_did=you_said
    )
    html = render_to_string(
        "dashboard/includes/progress_body.html",
        {
            "result": result,
            "chart": rag_trend_figure(result.trend, result.markers),
            "known_on": published_on,
            "today": None,  # the body says "today" only on the live page
        },
    ) + render_to_string(
        "improvement/includes/you_said_we_did_section.html", {"you_said_we_did": you_said, "period": period}
    )
    brief = PublishedVisitBrief(
        visit=period.start_visit,
        period_start=period.start,
        period_end=period.end,
        published_by=published_by,
        published_by_name=published_by.get_full_name() or published_by.get_username(),
        published_at=published_at,
        content=content,
        html=html,
        docx=b"",
    )
    brief.docx = progress_docx_bytes(
        result, published=brief_stamp(brief), known_on=published_on, you_said_we_did=you_said
    )
    brief.save()
    use_token(form_token, TOKEN_PURPOSE, brief)
    brief.already_recorded = False
    return brief
