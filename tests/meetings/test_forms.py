"""Forms give cleaned_data and services write: validating a model form leaves its instance as read."""

import pytest

from meetings.forms import AgendaItemForm, BoardForm
from tests.factories.improvement import PlanFactory, ThemeFactory
from tests.factories.meetings import AgendaItemFactory, BoardFactory

pytestmark = pytest.mark.django_db


def test_validating_a_board_form_leaves_the_board_as_read():
    board = BoardFactory(name="Improvement Board", cadence="monthly")
    data = {"name": "Renamed board", "kind": "improvement_board", "cadence": "six_weekly"}

    form = BoardForm(data, instance=board, plan=None)

    assert form.is_valid(), form.errors
    assert (board.name, board.cadence) == ("Improvement Board", "monthly")
    assert (form.cleaned_data["name"], form.cleaned_data["cadence"]) == ("Renamed board", "six_weekly")


def test_a_rejected_board_form_leaves_the_board_as_read():
    board = BoardFactory(name="Improvement Board")

    form = BoardForm({"name": "", "kind": "improvement_board", "cadence": "monthly"}, instance=board, plan=None)

    assert not form.is_valid()
    assert board.name == "Improvement Board"


def test_validating_an_agenda_item_form_leaves_the_item_as_read():
    item = AgendaItemFactory(order=2, title="Improvement plan update")

    form = AgendaItemForm({"order": "5", "title": "Exceptions"}, instance=item, plan=None)

    assert form.is_valid(), form.errors
    assert (item.order, item.title) == (2, "Improvement plan update")


def test_the_plan_the_view_passes_gives_the_theme_choices():
    current, other = PlanFactory(), PlanFactory()
    mine = ThemeFactory(plan=current, reference="1")
    ThemeFactory(plan=other, reference="1")

    form = BoardForm(plan=current)

    assert list(form.fields["themes"].queryset) == [mine]
