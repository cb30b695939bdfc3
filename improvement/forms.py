from django import forms

from core.formats import date_words
from core.forms import GovukDateField, ServiceForm
from improvement.models import Action, ActionStatus, Progress, Rag
from improvement.rules import (
    EarliestDate,
    compute_action_rag,
    effective_rag,
    is_past_target,
    rag_label,
)


def _rag_choices():
    return [(rag.value, rag_label(rag.value)) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREY, Rag.BLUE)]


class ActionUpdateForm(ServiceForm):
    # Progress is a judgement of work under way, so it is asked under "In progress" (and discarded for
    # any other status, in clean()).
    reveals = {"status": {ActionStatus.IN_PROGRESS: ("progress",)}}
    sometimes_required = (
        "progress",
        "narrative",
        "rag_override_reason",
        "revision_reason",
        "revision_agreed_by",
    )

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    date = GovukDateField(
        label="Date of this update",
        what="the date of this update",
        help_text="The date the update describes, for example 27 3 2026. It cannot be in the future.",
    )
    status = forms.ChoiceField(
        label="Status",
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status of the action"},
    )
    progress = forms.ChoiceField(
        label="Progress",
        required=False,
        choices=Progress.choices,
        widget=forms.RadioSelect,
        help_text="Your judgement of delivery",
    )
    rag_override = forms.ChoiceField(
        label="Your RAG, if different from the computed one",
        required=False,
        help_text="Leave as it is to use the RAG worked out from the status, progress and target date.",
    )
    rag_override_reason = forms.CharField(
        label="Why your RAG differs from the computed one",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when you choose a RAG different from the computed one",
    )
    narrative = forms.CharField(
        label="What has been done",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Needed when the RAG is red or amber: say what is behind and what will put it right.",
    )
    evidence_of_impact = forms.CharField(
        label="Evidence of impact",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Is any child or family better off, and how do we know? Keep this separate from activity.",
    )
    revised_target_date = GovukDateField(
        label="Revised target date",
        what="the revised target date",
        required=False,
        help_text="Only if a new target date has been agreed. The original date is kept.",
    )
    revision_reason = forms.CharField(
        label="Why the target date changed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when you give a revised target date",
    )
    revision_agreed_by = forms.CharField(
        label="Who agreed the new date",
        required=False,
        max_length=200,
        help_text="Needed when you give a revised target date. "
        "For example the improvement board, or the Director of Children's Services",
    )

    def __init__(
        self, *args, action: Action, today: date, earliest: EarliestDate | None = None, can_backdate=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.action = action
        self.today = today
        self.earliest = earliest or EarliestDate(None)
        self.can_backdate = can_backdate
        self.fields["rag_override"].choices = [("", "Use the computed RAG")] + _rag_choices()
        self.computed_rag = None
        if self.earliest.date and not can_backdate:
            # Said before they type, not only after a refusal.
            self.fields["date"].help_text = (
                "The date the update describes. It cannot be in the future, nor before "
                f"{date_words(self.earliest.date)}."
            )
        if can_backdate and self.earliest.date:
            # Admins only: an earlier date is recorded with a reason, kept and shown beside the entry.
            self.fields["backdating_reason"] = forms.CharField(
                label="Reason for recording this earlier date",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=(
                    f"Only if the date of this update is before {date_words(self.earliest.date)}: "
                    f"{self.earliest.why}. It also applies to a revised target date."
                ),
            )
            # Added after GovukWidgetsMixin has read sometimes_required: needed only for an earlier date.
            self.fields["backdating_reason"].sometimes_required = True

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > self.today:
            raise forms.ValidationError("The date of the update cannot be in the future")
        if not self.earliest.allows(value) and not self.can_backdate:
            raise forms.ValidationError(self.earliest.refusal("The date of this update"))
        return value

    def _clean_backdating(self, data):
        day = data.get("date")
        if day is None or self.earliest.allows(day):
            data["backdating_reason"] = ""
        elif not (data.get("backdating_reason") or "").strip():
            self.add_error(
                "backdating_reason",
                f"Enter the reason for recording an update dated before {date_words(self.earliest.date)}",
            )

    def clean(self):
        data = super().clean()
        self._clean_backdating(data)
        status = data.get("status")
        progress = data.get("progress") or ""
        if status == ActionStatus.IN_PROGRESS and not progress:
            self.add_error("progress", "Select whether the action is on track, at risk or off track")
        if status in (ActionStatus.NOT_STARTED, ActionStatus.COMPLETE, ActionStatus.CLOSED):
            progress = ""  # a judgement of delivery only applies while the work is under way
        data["progress"] = progress

        revised = data.get("revised_target_date")
        if revised:
            if not data.get("revision_reason", "").strip():
                self.add_error("revision_reason", "Enter why the target date changed")
            if not data.get("revision_agreed_by", "").strip():
                self.add_error("revision_agreed_by", "Enter who agreed the new target date")
            if revised == self.action.target_date:
                self.add_error("revised_target_date", "The revised target date is the same as the current one")

        if not status or not data.get("date"):
            return data
        target = revised or self.action.target_date
        self.computed_rag = compute_action_rag(status=status, progress=progress, target_date=target, as_at=data["date"])
        override = data.get("rag_override") or ""
        if override == self.computed_rag:
            override = ""  # choosing the computed RAG is not an override
        data["rag_override"] = override
        if override and not data.get("rag_override_reason", "").strip():
            self.add_error(
                "rag_override_reason",
                f"Enter why the RAG is {rag_label(override)} when the computed RAG is {rag_label(self.computed_rag)}",
            )
        if not override:
            data["rag_override_reason"] = ""
        past_target = is_past_target(status=status, target_date=target, as_at=data["date"])
        if (
            effective_rag(self.computed_rag, override, past_target=past_target) in (Rag.RED, Rag.AMBER)
            and not data.get("narrative", "").strip()
        ):
            self.add_error(
                "narrative", "Enter what has been done: a narrative is required when the RAG is red or amber"
            )
        return data
