"""Issue 15's bullets the first council-plan tests left without one of their own: linking the file's
recommendations to an inspection already in the service (preview and command line), and a revision
dated by the file's own "Date revised" column. The fixtures are tests/imports/test_council_plans.py's."""

import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports.models import ImportJob
from improvement.models import Action, Plan, TargetDateRevision
from tests.factories.improvement import InspectionFactory, PlanFactory, RecommendationFactory, ThemeFactory
from tests.imports import fixtures
from tests.imports.helpers import run_import
from tests.imports.test_council_plans import (
    HEADER,
    _choose,
    _job_with_rows,
    _upload,
    council_plan_rows,
    council_plan_xlsx,
    text_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def frozen_today():
    with time_machine.travel(datetime.datetime(2020, 3, 15, 12, 0), tick=False):
        yield


@pytest.fixture
def inspection():
    found = InspectionFactory(start_date=datetime.date(2018, 7, 2), title="ILACS July 2018")
    for reference in ("R1", "R2", "R4"):
        RecommendationFactory(inspection=found, reference=reference, text=f"Recommendation {reference} as published")
    return found


def _linked(plan):
    return {
        a.reference: sorted(r.reference for r in a.recommendations.all())
        for a in Action.objects.filter(theme__plan=plan).prefetch_related("recommendations")
    }


def test_linking_to_an_inspection_already_in_the_service_on_the_preview(admin_client_, inspection):
    _upload(admin_client_, council_plan_xlsx(), new_plan_title="Westmoor plan")
    job = ImportJob.objects.get()
    page = text_of(
        _choose(
            admin_client_,
            job,
            **{
                "plan_start-day": "1",
                "plan_start-month": "9",
                "plan_start-year": "2018",
                "inspection_choice": "existing",
                "inspection": str(inspection.pk),
            },
        )
    )
    assert "Recommendations : (none) \u2192" in page
    job.refresh_from_db()
    assert (job.options["inspection_id"], job.options["inspection_new"]) == (inspection.pk, None)
    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.message
    plan = Plan.objects.get(title="Westmoor plan")
    assert _linked(plan)["1.1"] == ["R1", "R4"]
    assert _linked(plan)["1.2"] == ["R1"]
    # Nothing new was created: the file's recommendations are the inspection's own.
    assert inspection.recommendations.count() == 3


def test_choosing_existing_without_an_inspection_says_so_and_saves_nothing(admin_client_, inspection):
    _upload(admin_client_, council_plan_xlsx(), new_plan_title="Westmoor plan")
    job = ImportJob.objects.get()
    before = dict(job.options)
    response = _choose(
        admin_client_,
        job,
        **{"plan_start-day": "1", "plan_start-month": "9", "plan_start-year": "2018", "inspection_choice": "existing"},
    )
    assert response.status_code == 200
    assert '<a href="#id_inspection">Choose the inspection whose recommendations the plan answers</a>' in (
        response.content.decode()
    )
    job.refresh_from_db()
    assert job.options == before


def test_the_command_line_links_to_an_inspection_by_its_id(tmp_path, inspection):
    path = tmp_path / "westmoor.xlsx"
    path.write_bytes(council_plan_xlsx())
    call_command("import_plan", str(path), "--inspection", str(inspection.pk), "--plan-start", "2018-09-01")
    assert _linked(Plan.objects.get())["1.1"] == ["R1", "R4"]
    assert inspection.recommendations.count() == 3


@pytest.mark.parametrize(
    "value, message",
    [
        ("999999", "There is no inspection with id 999999"),
        ("new:nonsense:2018-07-02", "nonsense is not a kind of inspection"),
    ],
)
def test_the_command_line_refuses_an_inspection_it_cannot_use(tmp_path, value, message):
    path = tmp_path / "westmoor.xlsx"
    path.write_bytes(council_plan_xlsx())
    with pytest.raises(CommandError, match=message):
        call_command("import_plan", str(path), "--inspection", value)
    assert Plan.objects.count() == 0


def test_a_revision_dated_by_the_file_takes_effect_on_that_date():
    rows = council_plan_rows()
    header_at = rows.index(HEADER)
    rows[header_at] = [*HEADER, "Date revised"]
    for row in rows[header_at + 1 :]:
        if len(row) > 2:
            row.append(datetime.datetime(2019, 1, 20) if row[0] == "1.1" else None)
    job = run_import(fixtures.xlsx_bytes({"Plan": rows}), options={"new_plan_title": "Westmoor plan"})
    assert job.state == ImportJob.State.DONE, job.message
    revision = TargetDateRevision.objects.get(action__reference="1.1")
    assert (revision.previous_date, revision.new_date) == (datetime.date(2018, 12, 31), datetime.date(2019, 3, 31))
    assert revision.effective_on == datetime.date(2019, 1, 20)
    assert "date unknown" not in revision.reason


def _older_version(actions):
    plan = PlanFactory(title=f"Older plan with {actions} actions")
    theme = ThemeFactory(plan=plan, reference="1")
    Action.objects.bulk_create(
        Action(theme=theme, reference=f"1.{n}", title=f"Older {n}") for n in range(1, actions + 1)
    )
    return plan


def test_the_preview_with_its_re_map_selects_opens_with_the_same_queries_at_two_sizes(admin_client_, admin_user):
    counts = []
    for rows, actions in ((20, 3), (2_000, 60)):
        job = _job_with_rows(admin_user, rows)
        job.options = {**job.options, "previous_version_id": _older_version(actions).pk}
        job.save(update_fields=["options"])
        url = reverse("imports:job_preview", args=[job.pk])
        admin_client_.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = admin_client_.get(url, {"page": "2"})
        page = response.content.decode()
        # One select per new action on the page shown (rows 51 to 100 on page 2), each with every older action.
        shown = min(rows, 100) - 50 if rows > 50 else rows
        assert page.count('<label class="govuk-label govuk-visually-hidden" for="id_continues_') == max(shown, 0)
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[0] <= 15, counts
