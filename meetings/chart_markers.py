"""Board meetings on the indicator chart, registered with indicators.charts from MeetingsConfig.ready()
(indicators sits below meetings, so it cannot read meetings itself).

Which meetings: those held or scheduled, not cancelled, of every improvement board (it oversees the
whole plan and all its indicators) and of any other board that lists this indicator among those it
reviews (a scrutiny committee or corporate parenting board looks at only some).
"""

from datetime import date, datetime, time, timedelta

from django.db.models import DateField, F, Q, Value
from django.utils import timezone

from indicators.charts import BOARD_MEETING, ChartMarker, MarkerSource
from meetings.models import Board, Meeting


def meetings_between(indicator, start: date, end: date):
    """Meetings held or scheduled between start and end of improvement boards and of boards that
    review this indicator, in the chart's marker columns (a meeting of a board that is both is one
    row: the chart reads them in a UNION)."""
    zone = timezone.get_current_timezone()
    return (
        Meeting.objects.filter(
            starts_at__gte=datetime.combine(start, time.min, tzinfo=zone),
            starts_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .filter(Q(board__kind=Board.Kind.IMPROVEMENT_BOARD) | Q(board__indicators=indicator.pk))
        .annotate(
            m_source=Value("meeting"),
            m_pk=F("pk"),
            m_day=Value(None, output_field=DateField()),
            m_moment=F("starts_at"),
            m_kind=F("status"),
            m_label=F("board__name"),
        )
    )


def meeting_marker(pk, day, moment, kind, label) -> ChartMarker:
    scheduled = " (scheduled)" if kind == Meeting.Status.SCHEDULED else ""
    return ChartMarker(date=timezone.localtime(moment).date(), kind=BOARD_MEETING, label=label + scheduled)


MEETING_MARKERS = MarkerSource(name="meeting", rows=meetings_between, marker=meeting_marker)
