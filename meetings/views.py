"""Boards, meetings, agendas, resolutions and actions arising.

Everyone with a role reads; clerks and admins change (meetings.permissions). Views find the object,
bind the form, call a service and redirect; the reads they need are in meetings.queries.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core import clock
from core.formats import date_words
from core.permissions import service_user_required
from improvement.queries import current_plan
from meetings import queries, services
from meetings.dates import after_one_cycle
from meetings.filters import ActionArisingFilter
from meetings.forms import (
    STALE_MESSAGE,
    ActionArisingForm,
    AgendaItemForm,
    AnswerForm,
    BoardForm,
    MeetingForm,
    ResolutionForm,
    RespondForm,
    ScheduleMeetingForm,
)
from meetings.models import AgendaItem, Board, Meeting, MeetingAction, Resolution
from meetings.permissions import can_answer, can_edit_meetings, require_answerer, require_meetings_editor
from meetings.rules import days_overdue, is_upcoming


def _reader(request):
    return can_edit_meetings(request.user)


def _editor(request):
    require_meetings_editor(request.user)


def _pack_url(meeting):
    """The board pack page, when the pack URLs are installed (meetings/pack_urls.py)."""
    try:
        return reverse("meetings:pack", args=[meeting.pk])
    except NoReverseMatch:
        return None


# Boards ------------------------------------------------------------------------------------


@service_user_required
def board_list(request):
    can_edit = _reader(request)
    today = clock.today()
    return render(
        request,
        "meetings/board_list.html",
        {"boards": list(queries.boards_with_summary(today)), "can_edit": can_edit, "today": today},
    )


@service_user_required
def board_detail(request, pk):
    can_edit = _reader(request)
    board = get_object_or_404(queries.board_detail_queryset(), pk=pk)
    today = clock.today()
    meetings = list(queries.board_meetings(board))
    upcoming = [m for m in reversed(meetings) if is_upcoming(m, today)]
    past = [m for m in meetings if not is_upcoming(m, today)]
    next_meeting = next((m for m in upcoming if m.status != Meeting.Status.CANCELLED), None)
    return render(
        request,
        "meetings/board_detail.html",
        {
            "board": board,
            "next_meeting": next_meeting,
            "upcoming": upcoming,
            "past": past,
            "open_actions": list(queries.open_actions_for_board(board)),
            "referred": list(queries.referrals_to_board(board)),
            "can_edit": can_edit,
            "today": today,
        },
    )


@service_user_required
def board_create(request):
    _editor(request)
    form = BoardForm(request.POST or None, plan=current_plan())
    if request.method == "POST" and form.is_valid():
        board = services.create_board(**form.service_fields())
        messages.success(request, f"{board.name} has been added.")
        return redirect(board)
    return render(request, "meetings/board_form.html", {"form": form, "board": None})


@service_user_required
def board_update(request, pk):
    _editor(request)
    board = get_object_or_404(Board.objects.all(), pk=pk)
    form = BoardForm(request.POST or None, instance=board, plan=current_plan())
    if request.method == "POST" and form.is_valid():
        services.update_board(board=board, **form.service_fields())
        messages.success(request, f"{board.name} has been updated.")
        return redirect(board)
    return render(request, "meetings/board_form.html", {"form": form, "board": board})


# Meetings ----------------------------------------------------------------------------------


@service_user_required
def meeting_create(request, pk):
    _editor(request)
    board = get_object_or_404(Board.objects.all(), pk=pk)
    form = ScheduleMeetingForm(request.POST or None, board=board, initial=_next_meeting_guess(board))
    if request.method == "POST" and form.is_valid():
        meeting = services.schedule_meeting(
            board=board,
            starts_at=form.starts_at(),
            place=form.cleaned_data["place"],
            add_standing_items=form.cleaned_data.get("add_standing_items", False),
        )
        messages.success(request, f"The meeting on {date_words(meeting.date)} has been scheduled.")
        return redirect(meeting)
    return render(request, "meetings/meeting_schedule.html", {"form": form, "board": board})


def _next_meeting_guess(board) -> dict:
    """Suggest one cadence after the board's latest meeting, at the same time of day (one query)."""
    latest = board.meetings.exclude(status=Meeting.Status.CANCELLED).order_by("-starts_at").first()
    if latest is None:
        return {}
    local = timezone.localtime(latest.starts_at)
    return {
        "meeting_date": after_one_cycle(local.date(), board.cadence),
        "start_time": local.time(),
        "place": latest.place,
    }


@service_user_required
def meeting_detail(request, pk):
    can_edit = _reader(request)
    meeting = get_object_or_404(queries.meeting_detail_queryset(), pk=pk)
    today = clock.today()
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "board": meeting.board,
            "items": meeting.agenda_items.all(),
            "actions_arising": meeting.actions_arising.all(),
            "matters_arising": list(queries.matters_arising(meeting)),
            "published_packs": meeting.published_packs.all(),
            "previous_meeting": queries.previous_meeting(meeting),
            "following_meeting": queries.next_meeting(meeting.board, meeting.date),
            "pack_url": _pack_url(meeting),
            "can_edit": can_edit,
            "today": today,
        },
    )


@service_user_required
def meeting_update(request, pk):
    _editor(request)
    meeting = get_object_or_404(Meeting.objects.select_related("board"), pk=pk)
    form = MeetingForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_meeting(
                meeting=meeting,
                expected_version=data["expected_version"],
                starts_at=form.starts_at(),
                place=data["place"],
                status=data["status"],
                minutes_status=data["minutes_status"],
            )
        except services.StaleRecordError:
            meeting.refresh_from_db()
            stale = STALE_MESSAGE.format(what="meeting", kept="")
            return render(
                request,
                "meetings/meeting_form.html",
                {"form": MeetingForm(meeting=meeting), "meeting": meeting, "stale": stale},
            )
        messages.success(request, "The meeting has been updated.")
        return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


# Agenda items and resolutions -------------------------------------------------------------


def _item(pk):
    return get_object_or_404(AgendaItem.objects.select_related("meeting__board"), pk=pk)


@service_user_required
def item_create(request, pk):
    _editor(request)
    meeting = get_object_or_404(Meeting.objects.select_related("board"), pk=pk)
    # Pre-filled with the number it would get if left blank, so the form accepts what it shows.
    form = AgendaItemForm(
        request.POST or None, initial={"order": queries.next_item_number(meeting)}, plan=current_plan()
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        fields.pop("expected_version", None)
        item = services.add_agenda_item(meeting=meeting, **fields)
        messages.success(request, f"Item {item.order}, {item.title}, has been added to the agenda.")
        return redirect(item)
    return render(request, "meetings/item_form.html", {"form": form, "meeting": meeting, "item": None})


@service_user_required
def item_update(request, pk):
    _editor(request)
    item = _item(pk)
    plan = current_plan()
    form = AgendaItemForm(request.POST or None, instance=item, plan=plan)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if fields.get("order") is None:
            fields["order"] = item.order  # blank keeps the item where it is
        expected = fields.pop("expected_version", None)
        try:
            services.update_agenda_item(item=item, expected_version=expected, **fields)
        except services.StaleRecordError:
            item = _item(pk)
            # The other person's save on the page, and the clerk's own minutes kept below it to copy from.
            typed_minutes = fields.get("minutes", "")
            context = {
                "form": AgendaItemForm(instance=item, plan=plan),
                "meeting": item.meeting,
                "item": item,
                "typed_minutes": typed_minutes,
                "stale": STALE_MESSAGE.format(what="agenda item", kept=", with your minutes below it"),
            }
            return render(request, "meetings/item_form.html", context)
        messages.success(request, f"Item {item.order}, {item.title}, has been updated.")
        return redirect(item)
    return render(request, "meetings/item_form.html", {"form": form, "meeting": item.meeting, "item": item})


@service_user_required
def item_delete(request, pk):
    _editor(request)
    item = _item(pk)
    meeting = item.meeting
    problem = ""
    if request.method == "POST":
        try:
            services.remove_agenda_item(item=item)
        except services.ItemInUseError:
            problem = "This item has resolutions or actions arising, so it is part of the record and cannot be removed"
        else:
            messages.success(request, f"Item {item.order}, {item.title}, has been removed from the agenda.")
            return redirect(f"{meeting.get_absolute_url()}#agenda")
    return render(request, "meetings/item_delete.html", {"item": item, "meeting": meeting, "problem": problem})


@service_user_required
def resolution_create(request, pk):
    _editor(request)
    item = _item(pk)
    form = ResolutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resolution = services.record_resolution(
            item=item, text=form.cleaned_data["text"], form_token=form.cleaned_data["form_token"]
        )
        if resolution.already_recorded:
            messages.success(
                request,
                f"Resolution {resolution.number} on item {item.order} was already recorded from this form; "
                "it was not recorded again.",
            )
        else:
            messages.success(request, f"Resolution {resolution.number} on item {item.order} has been recorded.")
        return redirect(item)
    return render(request, "meetings/resolution_form.html", {"form": form, "item": item, "meeting": item.meeting})


@service_user_required
def resolution_update(request, pk):
    _editor(request)
    resolution = get_object_or_404(Resolution.objects.select_related("item__meeting__board"), pk=pk)
    item = resolution.item
    form = ResolutionForm(request.POST or None, initial={"text": resolution.text})
    if request.method == "POST" and form.is_valid():
        services.update_resolution(resolution=resolution, text=form.cleaned_data["text"])
        messages.success(request, f"Resolution {resolution.number} on item {item.order} has been updated.")
        return redirect(item)
    return render(
        request,
        "meetings/resolution_form.html",
        {"form": form, "item": item, "meeting": item.meeting, "resolution": resolution},
    )


# Actions arising ---------------------------------------------------------------------------


@service_user_required
def action_create(request, pk):
    _editor(request)
    meeting = get_object_or_404(Meeting.objects.select_related("board"), pk=pk)
    initial = {"item": request.GET.get("item")} if request.GET.get("item") else None
    return _action_arising_form(request, meeting, initial=initial)


@service_user_required
def action_update(request, pk):
    _editor(request)
    action_arising = get_object_or_404(MeetingAction.objects.select_related("meeting__board"), pk=pk)
    initial = {
        "kind": action_arising.kind,
        "description": action_arising.description,
        "item": action_arising.item_id,
        "owner": action_arising.owner_id,
        "owner_name": action_arising.owner_name,
        "due_date": action_arising.due_date,
        "referred_to": action_arising.referred_to_id,
        "plan_action": action_arising.plan_action_id,
        "recommendation": action_arising.recommendation_id,
        "indicator": action_arising.indicator_id,
    }
    return _action_arising_form(request, action_arising.meeting, initial=initial, action_arising=action_arising)


def _action_arising_form(request, meeting, *, initial=None, action_arising=None):
    """Record an action arising at `meeting`, or correct `action`: the same form and checks."""
    items = list(meeting.agenda_items.order_by("order", "pk"))
    default_due = services.default_due_date(meeting)
    form = ActionArisingForm(
        request.POST or None,
        meeting=meeting,
        items=items,
        default_due=default_due,
        initial=initial,
        plan=current_plan(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "description": data["description"],
            "kind": data["kind"],
            "item": data["item"],
            "owner": data["owner"],
            "owner_name": data["owner_name"].strip(),
            "due_date": data["due_date"],
            "referred_to": data["referred_to"],
            "plan_action": data["plan_action"],
            "recommendation": data["recommendation"],
            "indicator": data["indicator"],
        }
        if action_arising is None:
            action_arising = services.record_action_arising(meeting=meeting, **fields)
            messages.success(
                request, f"The action arising has been recorded, due by {date_words(action_arising.due_date)}."
            )
            return redirect(f"{meeting.get_absolute_url()}#actions-arising")
        services.update_action_arising(action_arising=action_arising, **fields)
        messages.success(request, "The action arising has been updated.")
        return redirect(action_arising)
    return render(
        request,
        "meetings/action_form.html",
        {"form": form, "meeting": meeting, "default_due": default_due, "action_arising": action_arising},
    )


@service_user_required
def action_detail(request, pk):
    can_edit = _reader(request)
    action_arising = get_object_or_404(queries.action_detail_queryset(), pk=pk)
    today = clock.today()
    return render(
        request,
        "meetings/action_detail.html",
        {
            "action_arising": action_arising,
            "meeting": action_arising.meeting,
            "days_overdue": days_overdue(action_arising, today),
            "form": RespondForm(action_arising=action_arising, today=today) if can_edit else None,
            "can_edit": can_edit,
            "can_answer": can_answer(request.user, action_arising),
            "today": today,
        },
    )


@service_user_required
def action_answer(request, pk):
    """The written update, by the person asked (or a clerk for someone with no account)."""
    action_arising = get_object_or_404(queries.action_detail_queryset(), pk=pk)
    require_answerer(request.user, action_arising)
    closed = action_arising.status not in MeetingAction.STILL_OPEN
    form = AnswerForm(request.POST or None, initial={"response": action_arising.response})
    if request.method == "POST" and not closed and form.is_valid():
        services.answer_action_arising(
            action_arising=action_arising, response=form.cleaned_data["response"], answered_by=request.user
        )
        messages.success(
            request,
            f"Your written update has been saved. It goes to {action_arising.meeting.board.name} "
            "under matters arising; the clerk closes the action at the meeting.",
        )
        return redirect(action_arising)
    return render(
        request,
        "meetings/action_answer.html",
        {"action_arising": action_arising, "meeting": action_arising.meeting, "form": form, "closed": closed},
    )


@service_user_required
def action_respond(request, pk):
    _editor(request)
    action_arising = get_object_or_404(queries.action_detail_queryset(), pk=pk)
    today = clock.today()
    form = RespondForm(request.POST or None, action_arising=action_arising, today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.respond_to_action_arising(
            action_arising=action_arising,
            status=data["status"],
            response=data["response"],
            responded_on=data["responded_on"],
            due_date=data["due_date"],
        )
        messages.success(request, f"The action arising is now {action_arising.get_status_display().lower()}.")
        return redirect(action_arising)
    return render(
        request,
        "meetings/action_detail.html",
        {
            "action_arising": action_arising,
            "meeting": action_arising.meeting,
            "days_overdue": days_overdue(action_arising, today),
            "form": form,
            "can_edit": True,
            "can_answer": True,
            "today": today,
        },
    )


@service_user_required
def action_register(request):
    _reader(request)
    today = clock.today()
    filterset = ActionArisingFilter(request.GET or None, queryset=queries.open_actions_register())
    actions_arising = list(filterset.qs)
    overdue = sum(1 for action_arising in actions_arising if days_overdue(action_arising, today))
    count = len(actions_arising)
    caption = f"{count} {'matching ' if filterset.is_filtered else ''}open action{pluralize(count)} arising"
    if overdue:
        caption += f", {overdue} overdue"
    return render(
        request,
        "meetings/action_register.html",
        {"filterset": filterset, "actions_arising": actions_arising, "caption": caption, "today": today},
    )
