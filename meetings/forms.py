"""Forms for the clerk's workflows: boards, meetings, agenda items, resolutions and actions arising.

Every form only validates; the views pass cleaned data to meetings.services, which does the writing.
"""

import secrets
from datetime import date, datetime, time

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from core.formats import date_words, person_name
from core.forms import GovukDateField, GovukTimeField, ServiceForm, ServiceModelForm
from improvement.models import Action, Recommendation, Theme
from indicators.models import Indicator
from meetings.models import AgendaItem, Board, BoardMembership, Meeting, MeetingAction
from meetings.rules import resolution_wording

STALE_MESSAGE = (
    "Someone else saved this {what} after you opened the page, so your changes were not saved. "
    "The page now shows what they saved{kept}: check it, make your changes again and save."
)


def form_token() -> str:
    """A fresh one-time token for a form that creates a record (see meetings.models.FormToken)."""
    return secrets.token_urlsafe(32)


_TEXTAREA = {"rows": 4}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class ActionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference} {obj.title}"


class IndicatorMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code}: {obj.title}"


def people():
    """Active users, by name: the choices for chairs, members and owners."""
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def _plan_choices(plan, chosen_ids, model, plan_filter):
    """The plan's themes or actions (the view passes the current plan), plus any already chosen from an
    older plan, so editing an old item never drops its links."""
    wanted = Q(pk__in=list(chosen_ids))
    if plan is not None:
        wanted |= Q(**{plan_filter: plan})
    return model.objects.filter(wanted)


def _indicator_choices(chosen_ids):
    return Indicator.objects.filter(Q(is_active=True) | Q(pk__in=list(chosen_ids))).order_by("order", "code")


def _linked_ids(form, name):
    """Ids already linked on the bound instance (one query each, edit forms only)."""
    if form.instance.pk is None:
        return []
    return list(getattr(form.instance, name).values_list("pk", flat=True))


class BoardForm(ServiceModelForm):
    """The board, and one row per member who uses the service: a select of the person and a select of
    the capacity they sit in (no multi-select). Rows are plain fields (member_0, role_0, ...) so the
    error summary and the GOV.UK field markup cover them like any other field; the people are read
    once for every row."""

    # Empty rows offered below the members already on the board: saving offers three more.
    EMPTY_ROWS = 3

    themes = forms.ModelMultipleChoiceField(
        label="Themes it reviews",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Lead officers for these themes are reminded to update their actions before each meeting.",
    )
    indicators = IndicatorMultipleChoiceField(
        label="Indicators it reviews",
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Owners of these indicators are reminded to enter values before each meeting.",
    )

    class Meta:
        model = Board
        fields = [
            "name",
            "kind",
            "cadence",
            "terms_of_reference",
            "chair_name",
            "external_members",
            "standing_items",
            "themes",
            "indicators",
        ]
        labels = {
            "chair_name": "Chair's name, if not a user",
            "cadence": "Usual cadence",
            "external_members": "Members who do not use this service",
        }
        help_texts = {
            "chair_name": "For example the DfE adviser or an independent chair, with their role. Leave empty "
            "when the chair is one of the members above",
            "external_members": "One a line: name, then their role, for example "
            "\u201cDet Supt Claire Hollis, Riverford Police (observer)\u201d",
            "terms_of_reference": "What the board is for and what it holds to account",
            "standing_items": "Agenda items at every meeting, one a line, for example "
            "\u201cImprovement plan update\u201d. They are added to each meeting you schedule.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "terms_of_reference": forms.Textarea(attrs=_TEXTAREA),
            "external_members": forms.Textarea(attrs=_TEXTAREA),
            "standing_items": forms.Textarea(attrs=_TEXTAREA),
        }
        error_messages = {
            "name": {"required": "Enter the name of the board"},
            "kind": {"required": "Select what kind of board it is"},
            "cadence": {"required": "Select how often the board usually meets"},
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Board.Kind.choices  # no blank radio
        self.fields["themes"].queryset = _plan_choices(plan, _linked_ids(self, "themes"), Theme, "plan").order_by(
            "plan", "order", "reference"
        )
        self.fields["indicators"].queryset = _indicator_choices(_linked_ids(self, "indicators"))
        self._add_member_rows()

    def _add_member_rows(self):
        seats = []
        if self.instance.pk is not None:
            seats = BoardMembership.in_listing_order(self.instance.memberships.select_related("user"))
        self.people = {str(user.pk): user for user in people()}
        for seat in seats:  # a member made inactive since stays on the board until removed
            self.people.setdefault(str(seat.user_id), seat.user)
        person_choices = [("", "No one")] + [(pk, person_name(user)) for pk, user in self.people.items()]
        posted = 0
        if self.is_bound:
            posted = sum(1 for key in self.data if key.startswith("member_") and key[7:].isdigit())
        self.row_count = max(len(seats) + self.EMPTY_ROWS, posted)
        for index in range(self.row_count):
            seat = seats[index] if index < len(seats) else None
            self.fields[f"member_{index}"] = forms.ChoiceField(
                label="Person",
                choices=person_choices,
                required=False,
                initial=str(seat.user_id) if seat else "",
            )
            self.fields[f"role_{index}"] = forms.ChoiceField(
                label="Sits on the board as",
                choices=BoardMembership.Role.choices,
                initial=seat.role if seat else BoardMembership.Role.MEMBER,
                required=False,  # a row left at "No one" needs no role; a chosen person defaults to member
            )
            self.fields[f"role_{index}"].sometimes_required = True
            # Not "(optional)": a row is left at "No one" to add nobody, or to take someone off.
            self.fields[f"member_{index}"].sometimes_required = True

    # The board's own fields before the member rows, and after them.
    _BEFORE_MEMBERS = ("name", "kind", "cadence", "terms_of_reference")

    def fields_before_members(self):
        return [self[name] for name in self._BEFORE_MEMBERS]

    def fields_after_members(self):
        rows = {f"member_{i}" for i in range(self.row_count)} | {f"role_{i}" for i in range(self.row_count)}
        return [field for field in self.visible_fields() if field.name not in rows | set(self._BEFORE_MEMBERS)]

    def member_rows(self):
        return [(index + 1, self[f"member_{index}"], self[f"role_{index}"]) for index in range(self.row_count)]

    def clean(self):
        data = super().clean()
        seats, rows_of, chairs = [], {}, []
        for index in range(self.row_count):
            chosen = data.get(f"member_{index}")
            if not chosen:
                continue
            user = self.people[chosen]
            if chosen in rows_of:
                self.add_error(
                    f"member_{index}",
                    f"{person_name(user)} is already on the board in row {rows_of[chosen] + 1}: choose them once",
                )
                continue
            rows_of[chosen] = index
            role = data.get(f"role_{index}") or BoardMembership.Role.MEMBER
            if role == BoardMembership.Role.CHAIR:
                chairs.append(index)
            seats.append((user, role))
        for index in chairs[1:]:
            self.add_error(f"role_{index}", "Only one member can be the chair: choose another role for this one")
        if chairs and data.get("chair_name", "").strip():
            self.add_error("chair_name", "A member is already the chair: leave this empty, or change their role")
        data["memberships"] = seats
        return data

    def service_fields(self) -> dict:
        rows = {f"member_{i}" for i in range(self.row_count)} | {f"role_{i}" for i in range(self.row_count)}
        return {name: value for name, value in self.cleaned_data.items() if name not in rows}


class MeetingDateTimeMixin(ServiceForm):
    """A meeting's date and start time, GOV.UK date input and hour and minute boxes, combined into one
    local date and time."""

    meeting_date = GovukDateField(label="Date", what="the date of the meeting", help_text="For example 27 3 2027")
    start_time = GovukTimeField(
        label="Start time", what="the start time", help_text="On the 24-hour clock, for example 14 00 for 2pm"
    )

    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["meeting_date"], self.cleaned_data["start_time"]))


def _meeting_initial(meeting: Meeting) -> dict:
    local = timezone.localtime(meeting.starts_at)
    return {"meeting_date": local.date(), "start_time": local.time().replace(second=0, microsecond=0)}


class ScheduleMeetingForm(MeetingDateTimeMixin):
    place = forms.CharField(
        label="Place",
        max_length=300,
        required=False,
        help_text="For example Committee Room 1, Town Hall, or Microsoft Teams",
    )
    add_standing_items = forms.BooleanField(
        label="Add the board's standing items to the agenda",
        required=False,
        initial=True,
    )

    def __init__(self, *args, board: Board, **kwargs):
        super().__init__(*args, **kwargs)
        self.board = board
        if not board.standing_items_list:
            del self.fields["add_standing_items"]
        else:
            self.fields["add_standing_items"].help_text = "The standing items: " + "; ".join(board.standing_items_list)
        self.fields["start_time"].initial = time(14, 0)


class MeetingForm(MeetingDateTimeMixin):
    place = forms.CharField(label="Place", max_length=300, required=False)
    status = forms.ChoiceField(
        label="Status",
        choices=Meeting.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status of the meeting"},
    )
    minutes_status = forms.ChoiceField(
        label="Minutes",
        choices=Meeting.MinutesStatus.choices,
        widget=forms.RadioSelect,
        help_text="Minutes are approved at the board's next meeting",
        error_messages={"required": "Select whether the minutes are draft or approved"},
    )
    # The version the form was loaded at: a save since then by someone else refuses this one.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                **_meeting_initial(meeting),
                "place": meeting.place,
                "status": meeting.status,
                "minutes_status": meeting.minutes_status,
                "expected_version": meeting.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.meeting = meeting

    def clean(self):
        data = super().clean()
        if data.get("minutes_status") == Meeting.MinutesStatus.APPROVED and data.get("status") != Meeting.Status.HELD:
            self.add_error("minutes_status", "Only the minutes of a meeting that was held can be approved")
        return data


class AgendaItemForm(ServiceModelForm):
    themes = forms.ModelMultipleChoiceField(
        label="Themes discussed",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    actions = ActionMultipleChoiceField(
        label="Plan actions discussed",
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Actions from the current improvement plan",
    )
    indicators = IndicatorMultipleChoiceField(
        label="Indicators discussed",
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The version the form was loaded at (its minutes included): someone else's save since refuses this one.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AgendaItem
        fields = ["order", "title", "purpose", "presenter", "themes", "actions", "indicators", "minutes"]
        labels = {"order": "Item number", "purpose": "Purpose", "minutes": "Minutes"}
        help_texts = {
            "order": "Where the item comes on the agenda",
            "purpose": "What the board is asked to do, "
            "for example \u201cto note progress and agree the exceptions\u201d",
            "presenter": "Name or job title, for example Director of Children's Services",
            "minutes": "What was discussed. Record decisions as resolutions and requests as actions arising.",
        }
        widgets = {
            "order": forms.NumberInput(attrs={"class": "govuk-input--width-3", "min": "1"}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }
        error_messages = {
            "title": {"required": "Enter the title of the agenda item"},
            "order": {"invalid": "Enter the item number as a whole number, like 3"},
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("expected_version", self.instance.version)
        self.fields["order"].required = False
        self.fields["order"].min_value = 1
        if self.initial.get("order") == 0:
            del self.initial["order"]  # the model's default: never show a number the form refuses
        self.fields["order"].initial = None  # nor the model field's default of 0, which Django falls back to
        if self.instance.pk is None:
            self.fields["order"].help_text = "Where the item comes on the agenda. The number shown puts it last."
        self.fields["themes"].queryset = _plan_choices(plan, _linked_ids(self, "themes"), Theme, "plan").order_by(
            "plan", "order", "reference"
        )
        self.fields["actions"].queryset = (
            _plan_choices(plan, _linked_ids(self, "actions"), Action, "theme__plan")
            .select_related("theme")
            .order_by("theme__plan", "theme__order", "theme__reference", "order", "reference")
        )
        self.fields["indicators"].queryset = _indicator_choices(_linked_ids(self, "indicators"))

    def clean_order(self):
        order = self.cleaned_data.get("order")
        if order is not None and order < 1:
            raise forms.ValidationError("Enter an item number of 1 or more")
        return order


class ResolutionForm(ServiceForm):
    text = forms.CharField(
        label="RESOLVED that",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Finish the sentence, for example \u201cthe improvement plan update be noted\u201d",
        error_messages={"required": "Enter what was resolved"},
    )
    # One-time: the same form submitted twice records one resolution (meetings.services.record_resolution).
    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("form_token", form_token())

    def clean_text(self):
        # Clerks paste whole resolutions; the page adds "RESOLVED that" itself.
        text = resolution_wording(self.cleaned_data["text"])
        if not text:
            raise forms.ValidationError("Enter what was resolved")
        return text


class ActionArisingForm(ServiceForm):
    # A board is named only for a referral; for any other kind a board chosen and then hidden is dropped.
    reveals = {"kind": {MeetingAction.Kind.REFERRAL: ("referred_to",)}}
    # One of the two: a user, or the name of someone without an account (their hints say so).
    sometimes_required = ("owner", "owner_name", "referred_to")

    kind = forms.ChoiceField(
        label="What was asked for",
        choices=MeetingAction.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what was asked for"},
    )
    description = forms.CharField(
        label="Describe the request",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="As the minutes put it, for example \u201cA written update on the targets due by 30 September\u201d",
        error_messages={"required": "Describe what the board asked for"},
    )
    item = forms.ModelChoiceField(
        label="Agenda item", queryset=AgendaItem.objects.none(), required=False, empty_label="Not tied to one item"
    )
    owner = UserChoiceField(
        label="Asked of (a user)",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Not a user of this service",
        help_text="Choose the user asked, or give the name of someone without an account below. "
        "A user is reminded when it is overdue and can answer it here.",
    )
    owner_name = forms.CharField(
        label="Asked of (as written in the minutes)",
        max_length=200,
        required=False,
        help_text="A name or job title. Needed when the person asked does not use this service; "
        "leave blank to use the user's name.",
    )
    due_date = GovukDateField(label="Due by", what="the due date", required=False)
    referred_to = forms.ModelChoiceField(
        label="Referred to board",
        queryset=Board.objects.none(),
        required=False,
        empty_label="Choose a board",
        help_text="The board asked to consider it",
    )
    # What it is about (issue 17): the answer is shown on that item's page too. Each may be left blank.
    plan_action = forms.ModelChoiceField(
        label="Plan action it is about",
        queryset=Action.objects.none(),
        required=False,
        empty_label="Not about one plan action",
    )
    recommendation = forms.ModelChoiceField(
        label="Recommendation it is about",
        queryset=Recommendation.objects.none(),
        required=False,
        empty_label="Not about one recommendation",
    )
    indicator = forms.ModelChoiceField(
        label="Indicator it is about",
        queryset=Indicator.objects.none(),
        required=False,
        empty_label="Not about one indicator",
    )

    def __init__(self, *args, meeting: Meeting, items, default_due: date, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.default_due = default_due
        self.fields["item"].queryset = AgendaItem.objects.filter(meeting=meeting).order_by("order", "pk")
        # The view already has the items; reuse them for the labels so the form adds no query per item.
        self.fields["item"].choices = [("", "Not tied to one item")] + [(i.pk, str(i)) for i in items]
        self.fields["owner"].queryset = people()
        self.fields["referred_to"].queryset = Board.objects.exclude(pk=meeting.board_id).order_by("name")
        self.fields["due_date"].help_text = f"Leave blank for the board's next meeting: {date_words(default_due)}"
        chosen = self.initial or {}
        self.fields["plan_action"].queryset = (
            _plan_choices(plan, [chosen["plan_action"]] if chosen.get("plan_action") else [], Action, "theme__plan")
            .select_related("theme")
            .order_by("theme__order", "theme__reference", "order", "reference")
        )
        self.fields["plan_action"].label_from_instance = lambda a: f"{a.reference} {a.title}"
        self.fields["recommendation"].queryset = Recommendation.objects.select_related("inspection")
        self.fields["indicator"].queryset = _indicator_choices([chosen["indicator"]] if chosen.get("indicator") else [])
        self.fields["indicator"].label_from_instance = lambda i: f"{i.code}: {i.title}"

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not data.get("owner_name", "").strip() and "owner" not in self.errors:
            self.add_error("owner", "Choose who was asked, or enter their name or job title")
        due = data.get("due_date")
        if due and due < self.meeting.date:
            self.add_error("due_date", "The due date cannot be before the meeting")
        if data.get("kind") == MeetingAction.Kind.REFERRAL:
            if not data.get("referred_to") and "referred_to" not in self.errors:
                self.add_error("referred_to", "Choose the board it was referred to")
        else:
            data["referred_to"] = None  # asked under "Referral to another board" only
        return data


class AnswerForm(ServiceForm):
    """The written update asked for, by the person asked (or the clerk on their behalf)."""

    response = forms.CharField(
        label="Your written update",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the board asked for, written for board members. It goes in the board's next pack.",
        error_messages={"required": "Enter the written update"},
    )


class RespondForm(ServiceForm):
    sometimes_required = ("response",)

    status = forms.ChoiceField(
        label="Status",
        choices=MeetingAction.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status of the action arising"},
    )
    response = forms.CharField(
        label="Response",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Needed when you close the action: what was done or reported back, or why it was dropped",
    )
    responded_on = GovukDateField(
        label="Date of the response",
        what="the date of the response",
        required=False,
        help_text="Leave blank for today when you close the action",
    )
    due_date = GovukDateField(
        label="Due by",
        what="the due date",
        required=False,
        help_text="Change this only if the board agreed a new date",
    )

    def __init__(self, *args, action_arising: MeetingAction, today: date, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": action_arising.status,
                "response": action_arising.response,
                "responded_on": action_arising.responded_on,
                "due_date": action_arising.due_date,
            },
        )
        super().__init__(*args, **kwargs)
        self.action_arising = action_arising
        self.today = today

    def clean(self):
        data = super().clean()
        status = data.get("status")
        closing = status in (MeetingAction.Status.DONE, MeetingAction.Status.DROPPED)
        if closing and not data.get("response", "").strip():
            message = (
                "Enter the response: what was done or reported"
                if status == MeetingAction.Status.DONE
                else "Enter why the action was dropped"
            )
            self.add_error("response", message)
        responded_on = data.get("responded_on")
        if responded_on and responded_on > self.today:
            self.add_error("responded_on", "The date of the response cannot be in the future")
        if responded_on and responded_on < self.action_arising.meeting.date:
            self.add_error("responded_on", "The date of the response cannot be before the meeting that asked for it")
        due = data.get("due_date")
        if due and due < self.action_arising.meeting.date:
            self.add_error("due_date", "The due date cannot be before the meeting that asked for it")
        return data
