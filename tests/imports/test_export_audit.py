"""Every plan and values export leaves an audit entry: who downloaded which plan or values, and when."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEntry
from tests.factories.improvement import ActionFactory, PlanFactory, ThemeFactory
from tests.factories.indicators import IndicatorFactory, MeasurementFactory

pytestmark = pytest.mark.django_db
MOMENT = datetime.datetime(2026, 11, 20, 9, 15, tzinfo=datetime.UTC)


def _downloads():
    return list(AuditEntry.objects.filter(event="export.downloaded").order_by("id"))


@time_machine.travel(MOMENT, tick=False)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_plan_export_records_who_which_plan_and_when(admin_client_, admin_user, fmt):
    plan = PlanFactory(title="Improvement plan", version="v2")
    ActionFactory(theme=ThemeFactory(plan=plan))
    response = admin_client_.get(reverse("imports:export_plan", args=[fmt]), {"plan": plan.pk})
    assert response.status_code == 200
    [entry] = _downloads()
    assert (entry.actor, entry.at) == (admin_user, MOMENT)
    assert (entry.subject_type, entry.subject_id) == ("improvement.plan", str(plan.pk))
    assert entry.detail["filename"] == f"plan-{plan.pk}-2026-11-20.{fmt}"
    assert (entry.detail["format"], entry.detail["filters"], entry.detail["rows"]) == (fmt, {}, 1)
    assert entry.summary.startswith("Plan Improvement plan v2") and "every action" in entry.summary


def test_plan_page_filtered_csv_records_the_filters(admin_client_):
    plan = PlanFactory()
    theme, other = ThemeFactory(plan=plan), ThemeFactory(plan=plan)
    ActionFactory(theme=theme)
    ActionFactory(theme=other)
    admin_client_.get(
        reverse("imports:export_plan", args=["csv"]), {"plan": plan.pk, "theme": theme.pk, "sort": "rag", "rag": ""}
    )
    [entry] = _downloads()
    assert entry.detail["filters"] == {"theme": [str(theme.pk)]}
    assert entry.detail["rows"] == 1
    assert "filtered" in entry.summary


def test_indicator_values_export_is_recorded(admin_client_, admin_user):
    MeasurementFactory(indicator=IndicatorFactory(code="CSC-01"))
    admin_client_.get(reverse("imports:export_indicators", args=["xlsx"]))
    [entry] = _downloads()
    assert entry.actor == admin_user
    assert entry.detail["filename"].startswith("indicator-values-") and entry.detail["format"] == "xlsx"


def test_a_refused_or_missing_export_records_nothing(admin_client_, officer_client):
    assert officer_client.get(reverse("imports:export_indicators", args=["csv"])).status_code == 403
    assert admin_client_.get(reverse("imports:export_plan", args=["pdf"])).status_code == 404
    assert _downloads() == []


def test_django_admin_export_of_selected_actions_is_recorded(admin_client_, admin_user):
    from import_export.formats.base_formats import CSV

    action = ActionFactory()
    chosen = admin_client_.post(
        reverse("admin:improvement_action_changelist"),
        {"action": "export_admin_action", "_selected_action": [action.pk]},
    )
    form = chosen.context["form"]
    csv_format = next(value for value, title in form.fields["format"].choices if title.lower() == CSV().get_title())
    every_column = {name: "on" for name in form.fields if name.startswith("actionexportresource_")}
    response = admin_client_.post(
        reverse("admin:improvement_action_export"),
        {"format": csv_format, "export_items": [action.pk], "resource": 0, **every_column},
    )
    assert response.status_code == 200
    [entry] = _downloads()
    assert entry.actor == admin_user
    assert entry.detail["model"] == "improvement.action" and entry.detail["ids"] == [str(action.pk)]
    assert entry.summary.startswith("Actions from Django admin")


def test_downloads_show_on_the_audit_page(admin_client_):
    admin_client_.get(reverse("imports:export_indicators", args=["csv"]))
    html = admin_client_.get(reverse("audit:log"), {"event": "export.downloaded"}).content.decode()
    assert "Export downloaded" in html and "indicator-values-" in html
