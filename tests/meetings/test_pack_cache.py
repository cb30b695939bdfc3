"""The live pack is worked out once per data version and day (core/cache.py) and shared by the pack page,
its print view and its Word download: opening the print view or downloading the pack a board member has
just read costs no second build, and a write still shows at once in all three."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.urls import reverse

from improvement.models import Progress
from meetings import pack_views
from tests.meetings.test_pack import _update, board_case  # noqa: F401 (board_case is a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(settings, monkeypatch):
    settings.PAGE_CACHE = True
    cache.clear()
    calls = []
    real = pack_views.build_pack
    monkeypatch.setattr(pack_views, "build_pack", lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
    return calls


def _words(response) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_print_view_and_word_download_reuse_the_pack_the_page_worked_out(
    board_case,  # noqa: F811
    board_client,
    builds,
):
    from docx import Document

    pk = board_case["meeting"].pk
    page = _words(board_client.get(reverse("meetings:pack", args=[pk])))
    printed = _words(board_client.get(reverse("meetings:pack_print", args=[pk])))
    download = board_client.get(reverse("meetings:pack_docx", args=[pk]))
    assert len(builds) == 1
    sections = page[page.index('<div class="app-pack">') :].split("</main>")[0]
    assert sections in printed  # the same cached sections
    assert Document(io.BytesIO(download.content)).paragraphs

    _update(board_case["steady"], datetime.date(2026, 2, 5), progress=Progress.OFF_TRACK, narrative="Now off track")

    assert "Now off track" in _words(board_client.get(reverse("meetings:pack_print", args=[pk])))
    assert len(builds) == 2
    assert "Now off track" in _words(board_client.get(reverse("meetings:pack", args=[pk])))
    assert len(builds) == 2  # the print view's build, reused


@pytest.mark.parametrize("extra", [0, 12])
def test_a_cached_pack_page_and_print_view_read_only_what_their_frame_needs(
    board_case,  # noqa: F811
    board_client,
    builds,
    extra,
    django_assert_max_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.meetings.test_pack import _more_data

    _more_data(board_case, extra)
    pk = board_case["meeting"].pk
    page_url, print_url = reverse("meetings:pack", args=[pk]), reverse("meetings:pack_print", args=[pk])

    def main(url):  # the page less its header, whose sign-out form has a fresh CSRF token each time
        return _words(board_client.get(url)).split("<main", 1)[1]

    first_page, first_print = main(page_url), main(print_url)
    assert len(builds) == 1
    # Session, user and permissions 3, the data version 1, the meeting with its board and published copies 1,
    # the cached sections 1; the print view's cover also reads the cached pack, 1 more. Not the meeting's
    # agenda, papers or neighbours (pack_meeting_queryset): build_pack reads them only on a miss.
    for url, first, most in [(page_url, first_page, 6), (print_url, first_print, 7)]:
        with django_assert_max_num_queries(most), CaptureQueriesContext(connection) as captured:
            again = main(url)
        assert again == first
        # (Quoted: the tables' version query names meetings_agendaitem as a string among the pack's reads.)
        assert not any('"meetings_agendaitem"' in query["sql"] for query in captured.captured_queries)
    assert len(builds) == 1


def test_an_action_update_rebuilds_the_pack_but_not_its_indicator_sections_which_move_on_at_an_indicator_write(
    board_case,  # noqa: F811
    board_client,
    builds,
    monkeypatch,
):
    from meetings import pack

    scorecards = []
    real = pack.scorecard_as_at
    monkeypatch.setattr(
        pack, "scorecard_as_at", lambda *args, **kwargs: scorecards.append(args) or real(*args, **kwargs)
    )
    url = reverse("meetings:pack", args=[board_case["meeting"].pk])
    assert "Assessments within 45 working days" in _words(board_client.get(url))
    assert (len(builds), len(scorecards)) == (1, 1)

    # The action sections move on; the indicator sections are read back as they were, not rebuilt from the
    # scorecard (whose rows, model instances, cost far more to read back than the sections' plain rows).
    _update(board_case["steady"], datetime.date(2026, 2, 5), progress=Progress.OFF_TRACK, narrative="Now off track")
    page = _words(board_client.get(url))
    assert "Now off track" in page and "Assessments within 45 working days" in page
    assert (len(builds), len(scorecards)) == (2, 1)

    indicator = board_case["indicator"]
    indicator.title = "Assessments completed within 45 working days"
    indicator.save()
    assert "Assessments completed within 45 working days" in _words(board_client.get(url))
    assert (len(builds), len(scorecards)) == (3, 2)


def test_an_import_jobs_bookkeeping_leaves_the_cached_pack_as_it_is(board_case, board_client, builds, admin_user):  # noqa: F811
    from imports.models import ImportJob
    from tests.factories.imports import ImportJobFactory

    url = reverse("meetings:pack", args=[board_case["meeting"].pk])
    first = _words(board_client.get(url)).split("<main", 1)[1]
    # An import queued, read and previewed writes only its own records: nothing a pack shows.
    job = ImportJobFactory(uploaded_by=admin_user)
    job.state = ImportJob.State.PREVIEWED
    job.save()
    assert _words(board_client.get(url)).split("<main", 1)[1] == first
    assert len(builds) == 1
