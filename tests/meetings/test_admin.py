import pytest
from django.urls import reverse

from meetings.models import PublishedPack
from tests.factories.meetings import MeetingActionFactory, ResolutionFactory

MODELS = ["board", "meeting", "agendaitem", "resolution", "meetingaction", "publishedpack"]


@pytest.fixture
def meetings_data(db, admin_user):
    resolution = ResolutionFactory()
    meeting = resolution.item.meeting
    MeetingActionFactory(meeting=meeting, item=resolution.item)
    PublishedPack.objects.create(
        meeting=meeting, as_at=meeting.date, published_by=admin_user, published_by_name="Alice", content={}, html=""
    )
    return meeting


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_and_change_page_open_for_an_admin(model, meetings_data, admin_client_):
    changelist = admin_client_.get(reverse(f"admin:meetings_{model}_changelist"))
    assert changelist.status_code == 200
    obj = changelist.context["cl"].result_list[0]
    assert admin_client_.get(reverse(f"admin:meetings_{model}_change", args=[obj.pk])).status_code == 200


def test_a_published_pack_cannot_be_added_or_changed_in_admin(meetings_data, admin_client_):
    pack = PublishedPack.objects.get()
    assert admin_client_.get(reverse("admin:meetings_publishedpack_add")).status_code == 403
    response = admin_client_.post(
        reverse("admin:meetings_publishedpack_change", args=[pack.pk]), {"as_at": "2020-01-01"}
    )
    assert response.status_code == 403
    pack.refresh_from_db()
    assert pack.as_at == meetings_data.date
