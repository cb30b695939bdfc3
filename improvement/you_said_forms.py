"""The "you said, we did" form (issue 17): GOV.UK radios and date input."""

from django import forms

from core import clock
from core.forms import GovukDateField, ServiceForm
from improvement.models import Theme
from improvement.queries import current_plan

NEVER_A_NAMED_CHILD = "a group, never a named child"


class _ThemeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference}. {obj.title}"


class YouSaidWeDidForm(ServiceForm):
    theme = _ThemeChoice(
        label="Theme",
        queryset=Theme.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the theme it is about"},
    )
    said_by = forms.CharField(
        label="Who said it",
        max_length=200,
        help_text=(
            f"Name {NEVER_A_NAMED_CHILD} or young person, for example \u201cChildren in care council\u201d or "
            "\u201cCare leavers aged 18 to 21 at the summer forum\u201d"
        ),
        error_messages={"required": f"Enter who said it: {NEVER_A_NAMED_CHILD}"},
    )
    what_was_said = forms.CharField(
        label="What they said",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In their words where you can, without anything that would identify a child",
        error_messages={"required": "Enter what they said"},
    )
    said_on = GovukDateField(
        label="When it was said",
        help_text="For example 14 5 2026",
        error_messages={"required": "Enter when it was said"},
    )
    what_changed = forms.CharField(
        label="What we did",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What changed because of it. Leave blank while the change is still being made",
    )
    changed_on = GovukDateField(
        label="When it changed",
        required=False,
        help_text="Needed once you say what we did",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = current_plan()
        chosen = self.initial.get("theme")
        themes = Theme.objects.filter(plan=plan) if plan else Theme.objects.none()
        if chosen is not None:
            # A record on a theme of an earlier plan version stays editable without moving it.
            themes = themes | Theme.objects.filter(pk=getattr(chosen, "pk", chosen))
        self.fields["theme"].queryset = themes.order_by("order", "reference")
        # Each is required once the other is given (clean): neither is labelled "(optional)".
        self.fields["changed_on"].sometimes_required = True
        self.fields["what_changed"].sometimes_required = True  # once when it changed is given

    def clean(self):
        data = super().clean()
        today = clock.today()
        said_on, changed_on = data.get("said_on"), data.get("changed_on")
        if said_on and said_on > today:
            self.add_error("said_on", "When it was said must be today or in the past")
        if changed_on and changed_on > today:
            self.add_error("changed_on", "When it changed must be today or in the past")
        elif changed_on and said_on and changed_on < said_on:
            self.add_error("changed_on", "When it changed must be the same as or after when it was said")
        what_changed = data.get("what_changed", "").strip()
        if what_changed and not changed_on and "changed_on" not in self.errors:
            self.add_error("changed_on", "Enter when it changed")
        if changed_on and not what_changed:
            self.add_error("what_changed", "Enter what we did, or leave when it changed blank")
        return data
