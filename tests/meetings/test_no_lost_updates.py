"""A meeting or agenda item form loaded before someone else's save is refused (nothing saved), and a
resolution or publish submitted twice from one form creates one record; a fresh form publishes again."""

import datetime
import re

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import AgendaItem, FormToken, Meeting, PublishedPack, Resolution
from tests.factories.meetings import AgendaItemFactory, MeetingFactory
from tests.forms import date_parts, time_parts
from tests.meetings.test_pages import text_of

pytestmark = pytest.mark.django_db


def _hidden(response, name):
    return re.search(rf'name="{name}"[^>]*? value="([^"]*)"', response.content.decode()).group(1)


def _item_data(item, minutes, version):
    return {"order": item.order, "title": item.title, "minutes": minutes, "expected_version": version}


def test_minutes_saved_from_a_stale_form_are_refused_and_the_other_save_stands(clerk_client):
    item = AgendaItemFactory(minutes="")
    url = reverse("meetings:item_update", args=[item.pk])
    loaded = _hidden(clerk_client.get(url), "expected_version")
    # A second clerk saves first, from a form loaded at the same version.
    first = clerk_client.post(url, _item_data(item, "Members noted the scorecard.", loaded))
    assert first.status_code == 302

    late = clerk_client.post(url, _item_data(item, "Apologies from Cllr Jones.", loaded))

    assert late.status_code == 200
    page = text_of(late)
    assert "Someone else saved this agenda item after you opened the page, so your changes were not saved." in page
    assert "The minutes you typed (not saved) Apologies from Cllr Jones." in page
    item.refresh_from_db()
    assert item.minutes == "Members noted the scorecard."
    assert item.history.count() == 2  # created, and the first save only
    # Submitted again from the refreshed page (its new version), the clerk's change is saved.
    again = clerk_client.post(url, _item_data(item, "Apologies from Cllr Jones.", _hidden(late, "expected_version")))
    assert again.status_code == 302
    item.refresh_from_db()
    assert item.minutes == "Apologies from Cllr Jones."


def test_meeting_saved_from_a_stale_form_is_refused(clerk_client):
    meeting = MeetingFactory(place="Room 1")
    url = reverse("meetings:meeting_update", args=[meeting.pk])
    loaded = _hidden(clerk_client.get(url), "expected_version")
    data = {
        **date_parts("meeting_date", meeting.starts_at.date()),
        **time_parts("start_time", datetime.time(14, 0)),
        "status": "held",
        "minutes_status": "draft",
        "expected_version": loaded,
    }
    assert clerk_client.post(url, {**data, "place": "Room 2"}).status_code == 302

    late = clerk_client.post(url, {**data, "place": "Room 3"})

    assert late.status_code == 200
    assert "Someone else saved this meeting after you opened the page" in text_of(late)
    meeting.refresh_from_db()
    assert meeting.place == "Room 2"


def test_service_refuses_a_stale_agenda_item_version():
    item = AgendaItemFactory(minutes="First")
    with pytest.raises(services.StaleRecordError):
        services.update_agenda_item(item=item, expected_version=item.version + 1, minutes="Second")
    assert AgendaItem.objects.get(pk=item.pk).minutes == "First"


def test_a_resolution_submitted_twice_is_recorded_once(clerk_client):
    item = AgendaItemFactory()
    url = reverse("meetings:resolution_create", args=[item.pk])
    token = _hidden(clerk_client.get(url), "form_token")
    data = {"text": "the improvement plan update be noted", "form_token": token}

    clerk_client.post(url, data)
    second = clerk_client.post(url, data, follow=True)

    assert list(Resolution.objects.filter(item=item).values_list("number", "text")) == [
        (1, "the improvement plan update be noted")
    ]
    assert "Resolution 1 on item" in text_of(second)
    assert "was already recorded from this form; it was not recorded again" in text_of(second)
    # A new form (a new token) records the next resolution.
    fresh = _hidden(clerk_client.get(url), "form_token")
    assert fresh != token
    clerk_client.post(url, {"text": "the scorecard be agreed", "form_token": fresh})
    assert list(Resolution.objects.filter(item=item).values_list("number", flat=True)) == [1, 2]


def test_a_publish_submitted_twice_makes_one_copy_and_a_fresh_page_publishes_again(clerk_client):
    meeting = MeetingFactory()
    publish_url = reverse("meetings:pack_publish", args=[meeting.pk])
    pack_url = publish_url  # the confirmation page carries the form
    token = _hidden(clerk_client.get(pack_url), "form_token")

    first = clerk_client.post(publish_url, {"form_token": token})
    second = clerk_client.post(publish_url, {"form_token": token}, follow=True)

    assert PublishedPack.objects.filter(meeting=meeting).count() == 1
    published = PublishedPack.objects.get(meeting=meeting)
    assert first["Location"] == published.get_absolute_url()
    assert second.redirect_chain[-1][0] == published.get_absolute_url()  # shown what the first created
    assert "This pack was already published from that page; it was not published again." in text_of(second)
    assert FormToken.objects.get(token=token).object_id == published.pk

    # Deliberately publishing again, from a freshly loaded page, makes a second copy.
    clerk_client.post(publish_url, {"form_token": _hidden(clerk_client.get(pack_url), "form_token")})
    assert PublishedPack.objects.filter(meeting=meeting).count() == 2
    assert Meeting.objects.get(pk=meeting.pk).published_packs.count() == 2
