"""Migration 0006 keeps every board membership made through the plain many-to-many (as "member") and
records the chair as "chair", adding the chair's membership when the chair was not ticked as a member."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("meetings", "0005_written_updates_and_links")]
AFTER = [("meetings", "0006_board_membership_roles")]


@pytest.mark.django_db(transaction=True)
def test_existing_members_are_kept_and_the_chair_becomes_chair():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("auth", "User")
    Board = old.get_model("meetings", "Board")
    chair, member, other = (User.objects.create(username=name) for name in ("chair", "member", "other"))
    ticked = Board.objects.create(name="Improvement board", kind="improvement_board", chair=chair)
    ticked.members.add(chair, member)
    unticked = Board.objects.create(name="Scrutiny", kind="scrutiny", chair=other)
    unticked.members.add(member)
    Board.objects.create(name="No chair", kind="other")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Membership = new.get_model("meetings", "BoardMembership")
    rows = sorted(Membership.objects.values_list("board__name", "user__username", "role"))
    assert rows == [
        ("Improvement board", "chair", "chair"),
        ("Improvement board", "member", "member"),
        ("Scrutiny", "member", "member"),
        ("Scrutiny", "other", "chair"),
    ]

    # And back: the plain many-to-many keeps the people, roles aside.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    board = old.get_model("meetings", "Board").objects.get(name="Scrutiny")
    assert sorted(board.members.values_list("username", flat=True)) == ["member", "other"]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
