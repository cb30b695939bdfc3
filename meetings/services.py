"""Writes for boards, meetings, agendas, resolutions, actions arising and published packs.

Every write is one transaction: a save also writes its history row (simple_history) and often
related rows, and a failure part-way must leave neither a change without its history nor half a change.
"""

from datetime import date

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from core import clock
from core.formats import person_name
from meetings import queries
from meetings.dates import after_one_cycle
from meetings.models import (
    AgendaItem,
    Board,
    BoardMembership,
    FormToken,
    Meeting,
    MeetingAction,
    PublishedPack,
    Resolution,
)
from meetings.pack import build_pack, render_pack_html
from meetings.rules import is_draft_papers

_BOARD_RELATIONS = ("themes", "indicators")
_ITEM_RELATIONS = ("themes", "actions", "indicators")


def _save_with_relations(instance, fields: dict, relation_names) -> None:
    relations = {name: fields.pop(name) for name in relation_names if name in fields}
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, value in relations.items():
        getattr(instance, name).set(value)


class StaleRecordError(Exception):
    """Someone saved the meeting or agenda item after the form was loaded; nothing was saved."""

    def __init__(self, record):
        self.record = record
        super().__init__(f"{type(record).__name__} {record.pk} changed since its version was read")


def _claim(record, expected_version) -> None:
    """Take the record's next version with a conditional UPDATE, as record_update does for an action, so
    two people saving against the same version cannot both succeed. None: a caller with no form (the demo)."""
    if expected_version is None:
        return
    model = type(record)
    if not model.objects.filter(pk=record.pk, version=expected_version).update(version=F("version") + 1):
        raise StaleRecordError(record)
    record.version = expected_version + 1


def first_use(token: str, purpose: str, model):
    """The record an earlier submission of the same form created, or None (no token, or not used yet)."""
    if not token:
        return None
    used = FormToken.objects.filter(token=token, purpose=purpose).first()
    return model.objects.filter(pk=used.object_id).first() if used else None


def use_token(token: str, purpose: str, record) -> None:
    if token:
        FormToken.objects.create(token=token, purpose=purpose, object_id=record.pk, used_at=clock.now())


def _memberships_from(fields: dict, board: Board | None = None):
    """The (user, role) seats a caller gave: `memberships` (the board form), or the older shape
    `members` (each a member) with `chair` (the chair's seat): the demo and the tests' factories.
    None: the caller did not touch the membership."""
    memberships = fields.pop("memberships", None)
    members = fields.pop("members", None)
    if memberships is not None:
        return list(memberships)
    if members is None and "chair" not in fields:
        return None
    chair = fields.get("chair")
    if members is None:  # only the chair changes: everyone else keeps their seat, an old chair a member
        kept = BoardMembership.objects.filter(board=board).select_related("user") if board and board.pk else []
        seats = [(chair, BoardMembership.Role.CHAIR)] if chair else []
        return seats + [
            (m.user, BoardMembership.Role.MEMBER if m.role == BoardMembership.Role.CHAIR else m.role)
            for m in kept
            if m.user != chair
        ]
    seats = [(chair, BoardMembership.Role.CHAIR)] if chair else []
    return seats + [(user, BoardMembership.Role.MEMBER) for user in members or [] if user != chair]


def save_memberships(board: Board, memberships) -> None:
    """Replace the board's seats with `memberships` [(user, role)], the one writer of them; the board's
    chair follows the seat whose role is chair (none: a chair named in chair_name, or not recorded)."""
    seats = {user.pk: (user, role) for user, role in memberships}
    on_board = BoardMembership.objects.filter(board=board)
    on_board.exclude(user_id__in=list(seats)).delete()
    kept = dict(on_board.values_list("user_id", "role"))
    # A fixed number of writes however many sit on the board: the new seats at once, then one update
    # per role that changed.
    BoardMembership.objects.bulk_create(
        BoardMembership(board=board, user=user, role=role) for pk, (user, role) in seats.items() if pk not in kept
    )
    moved = {}
    for pk, (_user, role) in seats.items():
        if pk in kept and kept[pk] != role:
            moved.setdefault(role, []).append(pk)
    for role, pks in moved.items():
        on_board.filter(user_id__in=pks).update(role=role)
    chairs = [user for user, role in seats.values() if role == BoardMembership.Role.CHAIR]
    chair = chairs[0] if chairs else None
    if board.chair_id != (chair.pk if chair else None):
        board.chair = chair
        board.save(update_fields=["chair"])


@transaction.atomic
def create_board(**fields) -> Board:
    """A new board with its members (and their roles), themes and indicators. Keyword arguments are
    Board fields, plus `memberships` [(user, role)] or the older `members` with `chair`."""
    fields = dict(fields)
    seats = _memberships_from(fields)
    fields.pop("chair", None)
    board = Board()
    _save_with_relations(board, fields, _BOARD_RELATIONS)
    save_memberships(board, seats or [])
    return board


@transaction.atomic
def update_board(*, board: Board, **fields) -> Board:
    fields = dict(fields)
    seats = _memberships_from(fields, board)
    fields.pop("chair", None)
    _save_with_relations(board, fields, _BOARD_RELATIONS)
    if seats is not None:
        save_memberships(board, seats)
    return board


@transaction.atomic
def schedule_meeting(
    *,
    board: Board,
    starts_at,
    place: str = "",
    status=Meeting.Status.SCHEDULED,
    minutes_status=Meeting.MinutesStatus.DRAFT,
    add_standing_items: bool = True,
) -> Meeting:
    """A meeting of the board. Side effect: the board's standing items become its first agenda items."""
    meeting = Meeting(board=board, starts_at=starts_at, place=place, status=status, minutes_status=minutes_status)
    meeting.full_clean()
    meeting.save()
    if add_standing_items:
        for order, title in enumerate(board.standing_items_list, start=1):
            AgendaItem.objects.create(meeting=meeting, order=order, title=title)
    return meeting


@transaction.atomic
def update_meeting(*, meeting: Meeting, expected_version: int | None = None, **fields) -> Meeting:
    """StaleRecordError, saving nothing, when the meeting was saved since `expected_version` was read."""
    _claim(meeting, expected_version)
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def add_agenda_item(
    *,
    meeting: Meeting,
    title: str,
    order: int | None = None,
    purpose: str = "",
    presenter: str = "",
    minutes: str = "",
    themes=(),
    actions=(),
    indicators=(),
) -> AgendaItem:
    """An agenda item, last on the agenda unless an order is given, with its linked plan and KPIs."""
    if order is None:
        order = queries.next_item_number(meeting)
    item = AgendaItem(meeting=meeting)
    _save_with_relations(
        item,
        {
            "title": title,
            "order": order,
            "purpose": purpose,
            "presenter": presenter,
            "minutes": minutes,
            "themes": themes,
            "actions": actions,
            "indicators": indicators,
        },
        _ITEM_RELATIONS,
    )
    return item


@transaction.atomic
def update_agenda_item(*, item: AgendaItem, expected_version: int | None = None, **fields) -> AgendaItem:
    """StaleRecordError, saving nothing, when the item (its minutes included) was saved since
    `expected_version` was read."""
    _claim(item, expected_version)
    _save_with_relations(item, dict(fields), _ITEM_RELATIONS)
    return item


class ItemInUseError(Exception):
    """An agenda item with resolutions or actions arising is part of the record and is not removed."""


@transaction.atomic
def remove_agenda_item(*, item: AgendaItem) -> None:
    """Take an item off the agenda, for example a standing item not taken this time. Items that
    have resolutions or actions arising are refused: they are what the board decided."""
    if item.resolutions.exists() or item.actions_arising.exists():
        raise ItemInUseError
    item.delete()


@transaction.atomic
def record_resolution(*, item: AgendaItem, text: str, form_token: str = "") -> Resolution:
    """The item's next numbered resolution. The item row is locked so two clerks cannot take one number.
    A form submitted twice (same `form_token`) records one resolution: the second gets the first back,
    marked `already_recorded`."""
    AgendaItem.objects.select_for_update().filter(pk=item.pk).first()
    earlier = first_use(form_token, "resolution", Resolution)
    if earlier is not None:
        earlier.already_recorded = True
        return earlier
    number = (item.resolutions.aggregate(last=Max("number"))["last"] or 0) + 1
    resolution = Resolution.objects.create(item=item, number=number, text=text.strip())
    use_token(form_token, "resolution", resolution)
    resolution.already_recorded = False
    return resolution


@transaction.atomic
def update_resolution(*, resolution: Resolution, text: str) -> Resolution:
    """Correct a resolution's wording; its number stays."""
    resolution.text = text.strip()
    resolution.full_clean()
    resolution.save()
    return resolution


def default_due_date(meeting: Meeting) -> date:
    """By the board's next meeting after this one, else one cadence after this meeting (one query)."""
    following = queries.next_meeting(meeting.board, meeting.date)
    if following is not None:
        return following.date
    return after_one_cycle(meeting.date, meeting.board.cadence)


@transaction.atomic
def record_action_arising(
    *,
    meeting: Meeting,
    description: str,
    kind: str = MeetingAction.Kind.WRITTEN_UPDATE,
    item: AgendaItem | None = None,
    owner=None,
    owner_name: str = "",
    due_date: date | None = None,
    referred_to: Board | None = None,
    plan_action=None,
    recommendation=None,
    indicator=None,
) -> MeetingAction:
    """Something the board asked for. Due by the board's next meeting unless a date is given."""
    if item is not None and item.meeting_id != meeting.pk:
        raise ValueError("The agenda item belongs to another meeting")
    action_arising = MeetingAction(
        meeting=meeting,
        item=item,
        description=description.strip(),
        kind=kind,
        owner=owner,
        owner_name=owner_name or person_name(owner),
        due_date=due_date or default_due_date(meeting),
        referred_to=referred_to,
        plan_action=plan_action,
        recommendation=recommendation,
        indicator=indicator,
    )
    action_arising.full_clean()
    action_arising.save()
    return action_arising


@transaction.atomic
def update_action_arising(
    *,
    action_arising: MeetingAction,
    description: str,
    kind: str,
    item: AgendaItem | None = None,
    owner=None,
    owner_name: str = "",
    due_date: date | None = None,
    referred_to: Board | None = None,
    plan_action=None,
    recommendation=None,
    indicator=None,
) -> MeetingAction:
    """Correct what was asked, of whom and by when. Its status and response are changed by respond_to_action_arising."""
    if item is not None and item.meeting_id != action_arising.meeting_id:
        raise ValueError("The agenda item belongs to another meeting")
    action_arising.description = description.strip()
    action_arising.kind = kind
    action_arising.item = item
    action_arising.owner = owner
    action_arising.owner_name = owner_name or person_name(owner)
    action_arising.due_date = due_date or default_due_date(action_arising.meeting)
    action_arising.referred_to = referred_to
    action_arising.plan_action = plan_action
    action_arising.recommendation = recommendation
    action_arising.indicator = indicator
    action_arising.full_clean()
    action_arising.save()
    return action_arising


@transaction.atomic
def respond_to_action_arising(
    *,
    action_arising: MeetingAction,
    status: str,
    response: str = "",
    responded_on: date | None = None,
    due_date: date | None = None,
) -> MeetingAction:
    """Record the response to an action arising. Closing it (done or dropped) without a date dates it today."""
    action_arising.status = status
    action_arising.response = response.strip()
    if due_date is not None:
        action_arising.due_date = due_date
    if responded_on is None and status != MeetingAction.Status.OPEN:
        responded_on = clock.today()
    action_arising.responded_on = responded_on
    action_arising.full_clean()
    action_arising.save()
    return action_arising


@transaction.atomic
def answer_action_arising(
    *, action_arising: MeetingAction, response: str, answered_by, answered_on: date | None = None
) -> MeetingAction:
    """The written answer to an action arising, by the person asked (or the clerk for them): it becomes
    "answered, awaiting the board", goes into the board's next pack under matters arising, and waits
    there until the clerk closes it at the meeting (respond_to_action_arising). A closed one is not reopened."""
    if action_arising.status not in MeetingAction.STILL_OPEN:
        raise ValueError("A closed action arising cannot be answered")
    action_arising.response = response.strip()
    action_arising.status = MeetingAction.Status.ANSWERED
    action_arising.answered_by = answered_by
    action_arising.answered_on = answered_on or clock.today()
    action_arising.full_clean()
    action_arising.save()
    return action_arising


@transaction.atomic
def publish_pack(*, meeting: Meeting, published_by, published_at=None, form_token: str = "") -> PublishedPack:
    """Freeze the board pack as at the meeting date: its data and its rendered page are stored and never
    re-read from the live plan or KPIs. `published_at` is for the demo's history only (a pack cannot
    be re-dated afterwards: it is a permanent record). The same publish form submitted twice (same
    `form_token`) publishes once: the second gets the first copy back, marked `already_recorded`."""
    # Locked so two submissions of one form cannot both find the token unused.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    earlier = first_use(form_token, "publish", PublishedPack)
    if earlier is not None:
        earlier.already_recorded = True
        return earlier
    published_at = published_at or clock.now()
    published_on = timezone.localdate(published_at)
    content = build_pack(meeting, on=published_on)
    # What the stamp says: the data date and the publication date, and whether these are draft papers
    # for a meeting still to come (never "the pack as the board saw it").
    content["published_on"] = published_on.isoformat()
    content["draft"] = is_draft_papers(meeting, published_on)
    published = PublishedPack.objects.create(
        meeting=meeting,
        as_at=date.fromisoformat(content["as_at"]),
        published_by=published_by,
        published_by_name=person_name(published_by),
        content=content,
        html=render_pack_html(content),
        published_at=published_at,
    )
    use_token(form_token, "publish", published)
    published.already_recorded = False
    return published
