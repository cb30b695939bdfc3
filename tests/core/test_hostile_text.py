"""Hostile text: every control character and awkward Unicode in every free-text field.

Records are saved with that text without passing a form (as records stored before cleaning were), a
pack is published from them, and every page, download and export must still answer 200. Forms and
importers clean what comes in (core.text.clean_text); the Word and Excel writers clean what goes out.
"""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from core.text import clean_text
from improvement.models import ActionUpdate
from meetings.services import publish_pack
from tests.factories.imports import ImportJobFactory
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    InspectionFactory,
    PlanFactory,
    RecommendationFactory,
    TargetDateRevisionFactory,
    ThemeFactory,
)
from tests.factories.indicators import BenchmarkFactory, IndicatorFactory, MeasurementFactory, TargetFactory
from tests.factories.meetings import (
    AgendaItemFactory,
    BoardFactory,
    MeetingActionFactory,
    MeetingFactory,
    ResolutionFactory,
)

pytestmark = pytest.mark.django_db

CONTROLS = "".join(chr(code) for code in range(0x20))
# Right-to-left and zero-width marks, a combining accent, emoji (one with a joiner), a BOM, U+FFFE,
# markup and a formula: the text a pasted document or a hostile user brings.
AWKWARD = "\u200f\u202eabc\u202c e\u0301 \U0001f469\u200d\U0001f4bb \ufeff\ufffe <b>&amp;</b> =1+1"
TODAY = datetime.datetime(2026, 3, 1, 12, 0)


def _hostile(prefix=""):
    # PostgreSQL cannot store NUL in text, so a stored record there carries every other control.
    controls = CONTROLS if connection.vendor != "postgresql" else CONTROLS[1:]
    return f"{prefix}{controls}{AWKWARD}"


def _hostile_fields(model, *, keep=()):
    """Hostile text for every free-text field of the model (not choices, addresses or `keep`)."""
    values = {}
    for field in model._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField)) or field.choices or field.name in keep:
            continue
        if isinstance(field, (models.EmailField, models.URLField, models.SlugField)):
            continue
        text = _hostile(f"{model.__name__[:3]}{field.name[:3]}")
        values[field.name] = text[: field.max_length] if field.max_length else text
    return values


def _make(factory, *, keep=(), **kwargs):
    """A record saved with hostile text in every free-text field, as a record from before cleaning is.

    Given to the factory rather than written afterwards: permanent records (progress updates, date
    revisions, applied imports) can be added but never changed."""
    return factory(**{**_hostile_fields(factory._meta.model, keep=keep), **kwargs})


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 0)))


@pytest.fixture
def hostile_world(db, officer_user, admin_user):
    # People's names are typed by an admin and appear in every paper.
    names = _hostile_fields(type(officer_user), keep={"username", "password"})
    type(officer_user).objects.filter(pk=officer_user.pk).update(**names)
    officer_user.refresh_from_db()
    inspection = _make(InspectionFactory)
    recommendation = _make(RecommendationFactory, inspection=inspection)
    plan = _make(PlanFactory, keep={"version"}, start_date=datetime.date(2025, 4, 1))
    theme = _make(ThemeFactory, plan=plan)
    action = _make(
        ActionFactory, theme=theme, lead_officer=officer_user, original_target_date=datetime.date(2026, 1, 31)
    )
    action.recommendations.add(recommendation)
    _make(ActionUpdateFactory, action=action, author=officer_user, date=datetime.date(2026, 1, 5))
    _make(TargetDateRevisionFactory, action=action, effective_on=datetime.date(2026, 1, 20))
    indicator = _make(IndicatorFactory, owner=officer_user)
    _make(TargetFactory, indicator=indicator, value=Decimal("85"))
    _make(BenchmarkFactory, indicator=indicator)
    _make(MeasurementFactory, indicator=indicator, period=datetime.date(2025, 12, 1), value=Decimal("61.0"))
    board = _make(BoardFactory)
    board.themes.add(theme)
    board.indicators.add(indicator)
    previous = _make(MeetingFactory, board=board, starts_at=_at(datetime.date(2026, 1, 13)))
    meeting = _make(MeetingFactory, board=board, starts_at=_at(datetime.date(2026, 2, 10)))
    item = _make(AgendaItemFactory, meeting=meeting)
    resolution = _make(ResolutionFactory, item=item)
    arising = _make(MeetingActionFactory, meeting=previous, due_date=datetime.date(2026, 2, 1))
    with time_machine.travel(TODAY, tick=False):
        published = publish_pack(meeting=meeting, published_by=officer_user)
    previewed = _make(ImportJobFactory, keep={"sha256"}, uploaded_by=admin_user)
    done = _make(ImportJobFactory, keep={"sha256"}, uploaded_by=admin_user, state="done", result={"counts": {}})
    return {
        "previewed_job": previewed, "done_job": done,
        "inspection": inspection, "recommendation": recommendation, "plan": plan, "action": action,
        "indicator": indicator, "board": board, "meeting": meeting, "item": item, "resolution": resolution,
        "arising": arising, "published": published,
    }  # fmt: skip


def _read_pages(w):
    return [
        reverse("home"),
        reverse("progress") + "?from=2026-01-01&to=2026-02-28",
        reverse("improvement:plan"),
        reverse("improvement:action_detail", args=[w["action"].pk]),
        reverse("improvement:my_actions"),
        reverse("improvement:inspection_list"),
        reverse("improvement:inspection_detail", args=[w["inspection"].pk]),
        reverse("improvement:recommendation_detail", args=[w["recommendation"].pk]),
        reverse("indicators:scorecard"),
        reverse("indicators:indicator_detail", args=[w["indicator"].pk]),
        reverse("meetings:board_list"),
        reverse("meetings:board_detail", args=[w["board"].pk]),
        reverse("meetings:meeting_detail", args=[w["meeting"].pk]),
        reverse("meetings:action_register"),
        reverse("meetings:action_detail", args=[w["arising"].pk]),
        reverse("meetings:pack", args=[w["meeting"].pk]),
        reverse("meetings:pack_print", args=[w["meeting"].pk]),
        reverse("meetings:pack_docx", args=[w["meeting"].pk]),
        reverse("meetings:published_pack", args=[w["published"].pk]),
        reverse("meetings:published_pack_docx", args=[w["published"].pk]),
    ]


def _admin_pages(w):
    return [
        reverse("imports:start"),
        reverse("imports:job_preview", args=[w["previewed_job"].pk]),
        reverse("imports:job_status", args=[w["done_job"].pk]),
        reverse("imports:job_status_json", args=[w["done_job"].pk]),
        reverse("imports:job_log", args=[w["done_job"].pk]),
        reverse("imports:export_plan", args=["xlsx"]) + f"?plan={w['plan'].pk}",
        reverse("imports:export_plan", args=["csv"]) + f"?plan={w['plan'].pk}",
        reverse("imports:export_indicators", args=["xlsx"]),
        reverse("imports:export_indicators", args=["csv"]),
        reverse("meetings:board_update", args=[w["board"].pk]),
        reverse("meetings:meeting_update", args=[w["meeting"].pk]),
        reverse("meetings:item_update", args=[w["item"].pk]),
        reverse("meetings:resolution_update", args=[w["resolution"].pk]),
        reverse("meetings:action_update", args=[w["arising"].pk]),
        reverse("improvement:action_update", args=[w["action"].pk]),
        reverse("indicators:measurement_entry", args=[w["indicator"].pk]),
    ]


@pytest.mark.parametrize("role", ["admin", "officer", "board", "clerk"])
def test_every_page_and_download_answers_with_hostile_text(hostile_world, role_clients, role):
    _, client = role_clients[role]
    urls = _read_pages(hostile_world) + (_admin_pages(hostile_world) if role == "admin" else [])
    with time_machine.travel(TODAY, tick=False):
        failures = {url: client.get(url).status_code for url in urls}
    assert {url: code for url, code in failures.items() if code != 200} == {}


def test_word_and_excel_files_hold_the_text_cleaned(hostile_world, admin_client_):
    with time_machine.travel(TODAY, tick=False):
        docx = admin_client_.get(reverse("meetings:published_pack_docx", args=[hostile_world["published"].pk]))
        xlsx = admin_client_.get(reverse("imports:export_plan", args=["xlsx"]) + f"?plan={hostile_world['plan'].pk}")
    text = "\n".join(p.text for p in Document(BytesIO(docx.content)).paragraphs)
    cells = [
        cell for row in load_workbook(BytesIO(xlsx.content)).active.iter_rows(values_only=True) for cell in row if cell
    ]
    narrative = ActionUpdate.objects.get().narrative
    assert "\x0b" in narrative  # the stored, append-only record is left as it was...
    assert "\x0b" not in text and "\x01" not in text  # ...and cleaned on its way into the files
    assert "\u202eabc\u202c e\u0301 \U0001f469\u200d\U0001f4bb" in text
    assert any(isinstance(cell, str) and "\U0001f469\u200d\U0001f4bb" in cell for cell in cells)
    assert not any(isinstance(cell, str) and "\x0b" in cell for cell in cells)


def test_clean_text_keeps_what_people_write_and_drops_what_xml_cannot_hold():
    assert clean_text("one\x0btwo\x0cthree") == "one\ntwo\nthree"
    assert clean_text("tab\tline\ncarriage\r") == "tab\tline\ncarriage\r"
    assert clean_text(CONTROLS) == "\t\n\n\n\r"
    assert clean_text("a\ud800b\ufffe\uffffc") == "abc"  # a lone surrogate and non-characters
    kept = "\u200fمرحبا e\u0301 \U0001f469\u200d\U0001f4bb \ufeff"
    assert clean_text(kept) == kept
    assert clean_text(None) is None


def test_an_update_posted_with_a_vertical_tab_stores_a_line_break(officer_client, officer_user):
    from tests.improvement.test_pages import officer_action, valid_post

    action = officer_action(officer_user, PlanFactory(start_date=datetime.date(2025, 4, 1)))
    response = officer_client.post(
        reverse("improvement:action_update", args=[action.pk]),
        valid_post(
            action, narrative="Workshops held.\x0bPanel\x00 met\x01.", evidence_of_impact="\x0cFewer re-referrals"
        ),
    )
    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    assert update.narrative == "Workshops held.\nPanel met."
    assert update.evidence_of_impact == "Fewer re-referrals"  # a leading line break is trimmed, as any space is


def test_a_resolution_posted_with_control_characters_is_stored_clean(clerk_client):
    from meetings.models import Resolution

    item = AgendaItemFactory()
    clerk_client.post(
        reverse("meetings:resolution_create", args=[item.pk]), {"text": "the report\x1f be noted\x0bwith thanks"}
    )
    assert Resolution.objects.get().text == "the report be noted\nwith thanks"


def test_imported_cells_are_cleaned_like_form_text(admin_user):
    from tests.imports import fixtures
    from tests.imports.helpers import run_import

    data = fixtures.csv_bytes([["Ref", "Action"], ["1.1", "Redesign\x0bthe\x1b front door\x02"]])
    job = run_import(data, "plan.csv", user=admin_user, options={"new_plan_title": "Plan 2026"})
    from improvement.models import Action

    assert job.state == "done", job.message
    assert Action.objects.get().title == "Redesign\nthe front door"


def test_django_admin_forms_clean_text_too(admin_client_):
    from improvement.models import InterventionEvent

    response = admin_client_.post(
        reverse("admin:improvement_interventionevent_add"),
        {
            "kind": "statutory_direction",
            "date": "2026-01-05",
            "person": "Jo\x00 Smith",
            "description": "Issued\x0bby DfE",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = InterventionEvent.objects.get()
    assert (event.person, event.description) == ("Jo Smith", "Issued\nby DfE")


def test_admin_inline_forms_clean_text_too(admin_client_):
    from improvement.models import Recommendation

    inspection = InspectionFactory()
    page = admin_client_.get(reverse("admin:improvement_inspection_change", args=[inspection.pk]))
    data = {key: value for key, value in page.context["adminform"].form.initial.items() if value is not None}
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-reference": "R1",
            f"{prefix}-0-text": "Improve\x0bassessments\x1f",
            f"{prefix}-0-kind": "recommendation",
            f"{prefix}-0-order": "1",
        }
    )
    response = admin_client_.post(reverse("admin:improvement_inspection_change", args=[inspection.pk]), data)
    assert response.status_code == 302, [f.errors for f in response.context["inline_admin_formsets"][0].formset]
    assert Recommendation.objects.get().text == "Improve\nassessments"


def test_every_form_the_service_defines_cleans_text():
    """A form added later without ServiceForm or ServiceModelForm would store control characters again."""
    import importlib
    import inspect
    from pathlib import Path

    from django import forms as django_forms
    from django.conf import settings

    from core.forms import CleanTextMixin

    missing = []
    # Every module whose name ends in forms or views (imports/published_forms.py as well as forms.py).
    for app in ("core", "improvement", "indicators", "meetings", "imports", "dashboard", "demo"):
        paths = sorted((Path(settings.BASE_DIR) / app).glob("*.py"))
        for path in (p for p in paths if p.stem.endswith(("forms", "views"))):
            module_name = f"{app}.{path.stem}"
            module = importlib.import_module(module_name)
            for name, value in inspect.getmembers(module, inspect.isclass):
                defined_here = value.__module__ == module_name
                if defined_here and issubclass(value, django_forms.BaseForm) and not issubclass(value, CleanTextMixin):
                    missing.append(f"{module_name}.{name}")
    assert missing == []
