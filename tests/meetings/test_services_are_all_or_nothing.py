"""Every write in meetings/services.py is all or nothing (issue 13, 6f): the database is made to fail at
each of a service's writes in turn, and afterwards every meetings table, its history included, holds
exactly what it held before. A service that wrote several rows outside one transaction would leave the
rows written before the failure (a change without its history, a meeting without its agenda)."""

import datetime
import re

import pytest
from django.apps import apps
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Board, Meeting, MeetingAction, Resolution
from tests.factories.core import UserFactory
from tests.factories.improvement import ThemeFactory
from tests.factories.meetings import (
    AgendaItemFactory,
    BoardFactory,
    MeetingActionFactory,
    MeetingFactory,
    ResolutionFactory,
)

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)", re.IGNORECASE)
APPS_WATCHED = ("meetings", "core", "improvement", "indicators")


class InjectedFailure(OperationalError):
    """The database 'going away' at a chosen write."""


class FailAtWrite:
    """An execute wrapper: counts the writes it lets through and fails the one numbered `fail_at`."""

    def __init__(self, fail_at=None):
        self.fail_at = fail_at
        self.writes = 0
        self.tables = set()

    def __call__(self, execute, sql, params, many, context):
        if written := WRITE.match(sql):
            self.writes += 1
            self.tables.add(written[1])
            if self.writes == self.fail_at:
                raise InjectedFailure(f"the database failed at write {self.writes}: {sql[:60]}")
        return execute(sql, params, many, context)


def snapshot(tables=None):
    """Every row of the given tables (by default every table the services could touch, history included)."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if (meta.db_table in tables) if tables is not None else (meta.app_label in APPS_WATCHED and meta.managed):
            rows[meta.db_table] = list(model._base_manager.order_by("pk").values_list())
    return rows


@pytest.fixture
def world():
    clerk = UserFactory(username="clerk-atomic")
    member = UserFactory(username="member-atomic")
    theme = ThemeFactory()
    board = BoardFactory(standing_items="Apologies\nMinutes of the last meeting\nImprovement plan update")
    board.members.add(member)
    meeting = MeetingFactory(board=board)
    item = AgendaItemFactory(meeting=meeting, order=1)
    spare_item = AgendaItemFactory(meeting=meeting, order=2, title="Any other business")
    resolution = ResolutionFactory(item=item, number=1)
    asked = MeetingActionFactory(meeting=meeting, item=item, owner=member)
    later = MeetingFactory(board=board, starts_at=timezone.make_aware(datetime.datetime(2025, 11, 11, 14, 0)))
    return {
        "clerk": clerk,
        "member": member,
        "theme": theme,
        "board": board.pk,
        "meeting": meeting.pk,
        "item": item.pk,
        "spare_item": spare_item.pk,
        "resolution": resolution.pk,
        "asked": asked.pk,
        "later": later.pk,
    }


# Each scenario calls one service with fresh instances (a failed attempt leaves in-memory objects changed).
SCENARIOS = {
    "create_board": lambda w: services.create_board(
        name="Corporate Parenting Board", kind=Board.Kind.OTHER, members=[w["member"]], themes=[w["theme"]]
    ),
    "update_board": lambda w: services.update_board(
        board=Board.objects.get(pk=w["board"]), name="Renamed board", members=[w["clerk"]], themes=[w["theme"]]
    ),
    "schedule_meeting": lambda w: services.schedule_meeting(
        board=Board.objects.get(pk=w["board"]),
        starts_at=timezone.make_aware(datetime.datetime(2025, 12, 9, 14, 0)),
        place="Council Chamber",
    ),
    "update_meeting": lambda w: services.update_meeting(
        meeting=Meeting.objects.get(pk=w["meeting"]), expected_version=None, place="Room 2"
    ),
    "add_agenda_item": lambda w: services.add_agenda_item(
        meeting=Meeting.objects.get(pk=w["meeting"]), title="Ofsted monitoring visit letter", themes=[w["theme"]]
    ),
    "update_agenda_item": lambda w: services.update_agenda_item(
        item=AgendaItem.objects.get(pk=w["item"]), title="Plan update (revised)", themes=[w["theme"]]
    ),
    "remove_agenda_item": lambda w: services.remove_agenda_item(item=AgendaItem.objects.get(pk=w["spare_item"])),
    "record_resolution": lambda w: services.record_resolution(
        item=AgendaItem.objects.get(pk=w["item"]), text="The board noted the report.", form_token="tok-atomic"
    ),
    "update_resolution": lambda w: services.update_resolution(
        resolution=Resolution.objects.get(pk=w["resolution"]), text="The board received the report."
    ),
    "record_action_arising": lambda w: services.record_action_arising(
        meeting=Meeting.objects.get(pk=w["meeting"]), description="A note on agency social workers", owner=w["member"]
    ),
    "update_action_arising": lambda w: services.update_action_arising(
        action_arising=MeetingAction.objects.get(pk=w["asked"]),
        description="A written update on caseloads",
        kind=MeetingAction.Kind.WRITTEN_UPDATE,
        owner=w["member"],
    ),
    "respond_to_action_arising": lambda w: services.respond_to_action_arising(
        action_arising=MeetingAction.objects.get(pk=w["asked"]),
        status=MeetingAction.Status.DONE,
        response="Reported to the board.",
        responded_on=datetime.date(2025, 11, 11),
    ),
    "answer_action_arising": lambda w: services.answer_action_arising(
        action_arising=MeetingAction.objects.get(pk=w["asked"]),
        response="Caseloads are 18 on average.",
        answered_by=w["member"],
        answered_on=datetime.date(2025, 11, 1),
    ),
    "publish_pack": lambda w: services.publish_pack(
        meeting=Meeting.objects.get(pk=w["later"]), published_by=w["clerk"], form_token="publish-atomic"
    ),
}


def writes_made_by(scenario, world) -> FailAtWrite:
    """The writes the service makes when nothing fails (counted, then rolled back): how many, and to which tables."""
    counter = FailAtWrite()
    with transaction.atomic():
        with connection.execute_wrapper(counter):
            scenario(world)
        transaction.set_rollback(True)
    return counter


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_meetings_service_failing_at_any_write_leaves_every_table_as_it_was(name, world):
    scenario = SCENARIOS[name]
    before_all = snapshot()
    counted = writes_made_by(scenario, world)
    writes = counted.writes
    assert writes >= 1, f"{name} made no write"
    assert snapshot() == before_all  # the counting run itself left nothing behind
    # From here on only the tables the service writes are compared: reading every table after every
    # injected failure would cost the suite seconds for nothing.
    before = snapshot(counted.tables)
    assert set(before) == counted.tables, "a written table is not a model's"
    for fail_at in range(1, writes + 1):
        with pytest.raises(InjectedFailure), connection.execute_wrapper(FailAtWrite(fail_at)):
            scenario(world)
        # An ORM write failing outside the service's own atomic block breaks the enclosing transaction.
        assert not connection.needs_rollback, (
            f"{name} has no transaction of its own: write {fail_at} failed outside one"
        )
        after = snapshot(counted.tables)
        changed = sorted(table for table in before if before[table] != after[table])
        assert changed == [], f"{name}: the failure at write {fail_at} of {writes} left changes in {changed}"


def test_the_check_catches_a_service_that_writes_outside_one_transaction(world):
    """The test above can fail: two writes without a transaction leave the first when the second fails."""

    def careless(w):
        Board.objects.filter(pk=w["board"]).update(name="Half renamed")
        # The second write through a bare cursor: an ORM write failing would mark the test's own
        # transaction for rollback, and the check could not read the tables afterwards.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Meeting._meta.db_table} SET place = %s WHERE board_id = %s", ["Room 9", w["board"]]
            )

    before = snapshot()
    assert writes_made_by(careless, world).writes >= 2
    with pytest.raises(InjectedFailure), connection.execute_wrapper(FailAtWrite(2)):
        careless(world)
    assert snapshot() != before
