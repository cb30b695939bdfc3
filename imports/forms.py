import re

from django import forms
from django.conf import settings

from core.forms import GovukDateField, ServiceForm
from imports.parsing.plan import FIELD_LABELS
from imports.parsing.values import MEANING_LABELS
from improvement.models import Action, Inspection, Plan
from indicators.models import Indicator, Unit


class _UploadForm(ServiceForm):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="An Excel workbook (.xlsx) or a CSV file, up to {mb} MB.",
        error_messages={"required": "Choose the spreadsheet to import", "empty": "The file you chose is empty"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text.format(
            mb=settings.IMPORT_MAX_UPLOAD_BYTES // 1_048_576
        )
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv,.xlsm,.txt"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked on the size the browser sent, before a single byte is parsed.
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB. The largest file you can import is "
                f"{settings.IMPORT_MAX_UPLOAD_BYTES // 1_048_576} MB."
            )
        return upload


class PlanUploadForm(_UploadForm):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.all(),
        required=False,
        empty_label="None: create a new plan",
        label="Plan to update",
        help_text="Actions are matched by their reference; new ones are added.",
    )
    new_plan_title = forms.CharField(
        label="Title of the new plan", max_length=200, required=False, help_text="Only when you are creating a new plan"
    )
    inspection = forms.ModelChoiceField(
        queryset=Inspection.objects.all(),
        required=False,
        empty_label="None",
        label="Inspection whose recommendations the plan answers",
        help_text="Actions are linked to its recommendations by reference, such as R3",
    )

    def clean(self):
        data = super().clean()
        if not data.get("plan") and not (data.get("new_plan_title") or "").strip():
            self.add_error("new_plan_title", "Choose a plan to update, or give the new plan a title")
        elif data.get("plan") and (data.get("new_plan_title") or "").strip():
            self.add_error("new_plan_title", "Leave the new plan's title empty when you update an existing plan")
        return data

    def options(self):
        data = self.cleaned_data
        return {
            "plan_id": data["plan"].pk if data.get("plan") else None,
            "new_plan_title": (data.get("new_plan_title") or "").strip(),
            "inspection_id": data["inspection"].pk if data.get("inspection") else None,
        }


class IndicatorUploadForm(_UploadForm):
    def options(self):
        return {}


class MappingForm(ServiceForm):
    """The admin's choices for what the importer did not recognise, built from the preview."""

    def __init__(self, *args, preview: dict, mappings: dict, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.preview = preview
        column_choices = [("", "Leave out (not imported)")] + list(FIELD_LABELS.items())
        for index, item in enumerate(preview.get("unmapped_columns", [])):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=f"Column \u201c{item['header']}\u201d",
                choices=column_choices,
                required=False,
                initial=mappings.get("columns", {}).get(item["key"], ""),
            )
        value_choices = [("", "Not recognised: leave the status unchanged")] + list(MEANING_LABELS.items())
        for index, item in enumerate(preview.get("unmapped_values", [])):
            self.fields[f"value_{index}"] = forms.ChoiceField(
                label=f"Status or RAG \u201c{item['text']}\u201d",
                choices=value_choices,
                required=False,
                initial=mappings.get("values", {}).get(item["key"], ""),
            )
        unknown = preview.get("unknown_indicators", [])
        if unknown:
            existing = [
                (str(pk), f"Use {code} {title}")
                for pk, code, title in Indicator.objects.values_list("pk", "code", "title")
            ]
            for index, item in enumerate(unknown):
                unit = dict(Unit.choices).get(item["unit"], item["unit"])
                self.fields[f"indicator_{index}"] = forms.ChoiceField(
                    label=f"Indicator \u201c{item['title'] or item['code']}\u201d (row {item['row']})",
                    choices=[
                        ("create", f"Create a new indicator ({unit.lower()})"),
                        ("ignore", "Leave it out"),
                        *existing,
                    ],
                    initial=mappings.get("indicators", {}).get(item["key"], "create"),
                    required=False,
                )

    def mappings(self, previous: dict) -> dict:
        columns = dict(previous.get("columns", {}))
        values = dict(previous.get("values", {}))
        value_texts = dict(previous.get("value_texts", {}))  # as written in the file, to show the choice again
        indicators = dict(previous.get("indicators", {}))
        for index, item in enumerate(self.preview.get("unmapped_columns", [])):
            choice = self.cleaned_data.get(f"column_{index}")
            if choice:
                columns[item["key"]] = choice
        for index, item in enumerate(self.preview.get("unmapped_values", [])):
            choice = self.cleaned_data.get(f"value_{index}")
            if choice:
                values[item["key"]] = choice
                value_texts[item["key"]] = item["text"]
        for index, item in enumerate(self.preview.get("unknown_indicators", [])):
            indicators[item["key"]] = self.cleaned_data.get(f"indicator_{index}") or "create"
        return {"columns": columns, "values": values, "value_texts": value_texts, "indicators": indicators}


class ConfirmForm(ServiceForm):
    """Confirming an import. When the preview lists back-dated entries, one reason covers them all."""

    def __init__(self, *args, backdated_count: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.backdated_count = backdated_count
        if backdated_count:
            self.fields["backdate_reason"] = forms.CharField(
                label="Reason for recording these earlier dates",
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="It is kept on each of the entries listed above and shown beside them.",
                error_messages={
                    "required": "Enter the reason for recording entries dated earlier than usually allowed"
                },
            )

    def reason(self) -> str:
        return (self.cleaned_data.get("backdate_reason") or "").strip()


REMAP_LINE = re.compile(r"^\s*(\S+)\s*(?:=|->|\u2192|continues)\s*(\S+)\s*$", re.IGNORECASE)
NO_ACTION = {"none", "new", "-", "nothing"}


class PlanPreviewForm(ServiceForm):
    """The plan import's choices on the preview: the new plan's start, the inspection its recommendations
    belong to (an existing one, or one created from the file), and which plan version it continues."""

    INSPECTION_CHOICES = [
        ("none", "Do not link the actions to recommendations"),
        ("existing", "Link them to an inspection already in the service"),
        ("new", "Create the inspection and its recommendations from the file"),
    ]
    plan_start = GovukDateField(
        label="Date the plan started",
        required=False,
        help_text="Actions are added on this date. It is the earliest date in the file unless you change it.",
    )
    inspection_choice = forms.ChoiceField(
        label="Recommendations in the file", choices=INSPECTION_CHOICES, widget=forms.RadioSelect, initial="none"
    )
    inspection = forms.ModelChoiceField(
        queryset=Inspection.objects.all(), required=False, label="Inspection", empty_label="Choose an inspection"
    )
    new_kind = forms.ChoiceField(
        label="Kind of inspection to create",
        choices=[("", "Choose the kind of inspection"), *Inspection.Kind.choices],
        required=False,
    )
    new_date = GovukDateField(label="Date of the inspection to create", required=False)
    previous_version = forms.ModelChoiceField(
        queryset=Plan.objects.all(),
        required=False,
        label="This plan is a newer version of",
        empty_label="None: it does not continue another plan",
        help_text="Each action is matched to the action with the same reference in that plan.",
    )
    carried = forms.CharField(
        label="Actions matched differently",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line: the new reference, an equals sign, then the reference it continues in the older "
        "version, or \u201cnone\u201d. For example: 2.1 = 3.4",
    )

    def __init__(self, *args, options: dict, preview: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.creates_plan = bool(preview.get("creates_plan"))
        if not self.creates_plan:
            for name in ("plan_start", "previous_version", "carried"):
                del self.fields[name]
        else:
            self.fields["plan_start"].required = True
            self.fields["plan_start"].error_messages["required"] = "Enter the date the plan started"
            self.fields["plan_start"].initial = options.get("plan_start") or preview.get("plan_start")
            self.fields["previous_version"].initial = options.get("previous_version_id")
            self.fields["carried"].initial = "\n".join(
                f"{new} = {old_ref}" for new, old_ref in (options.get("carried_refs") or {}).items()
            )
        count = len(preview.get("file_recommendations", []))
        if count:
            self.fields["inspection_choice"].choices = [
                *self.INSPECTION_CHOICES[:2],
                (
                    "new",
                    f"Create the inspection and its {count} recommendation{'s' if count != 1 else ''} from the file",
                ),
            ]
        new = options.get("inspection_new") or {}
        self.fields["inspection_choice"].initial = (
            "existing" if options.get("inspection_id") else "new" if new else "none"
        )
        self.fields["inspection"].initial = options.get("inspection_id")
        self.fields["new_kind"].initial = new.get("kind", "")
        self.fields["new_date"].initial = new.get("date")

    def clean(self):
        data = super().clean()
        choice = data.get("inspection_choice")
        if choice == "existing" and not data.get("inspection"):
            self.add_error("inspection", "Choose the inspection whose recommendations the plan answers")
        if choice == "new":
            if not data.get("new_kind"):
                self.add_error("new_kind", "Choose the kind of inspection to create")
            if not data.get("new_date") and "new_date" not in self.errors:
                self.add_error("new_date", "Enter the date of the inspection to create")
        if self.creates_plan and not data.get("plan_start") and "plan_start" not in self.errors:
            self.add_error("plan_start", "Enter the date the plan started")
        data["carried_refs"] = self._read_remaps(data)
        return data

    def _read_remaps(self, data) -> dict:
        text = (data.get("carried") or "").strip()
        if not text:
            return {}
        if not data.get("previous_version"):
            self.add_error("carried", "Choose the plan this one is a newer version of, then match its actions")
            return {}
        found = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            match = REMAP_LINE.match(line)
            if not match:
                self.add_error("carried", f"Line {number} should read like \u201c2.1 = 3.4\u201d")
                return {}
            found[match.group(1)] = match.group(2)
        known = dict(Action.objects.filter(theme__plan=data["previous_version"]).values_list("reference", "pk"))
        unknown = [old for old in found.values() if old.lower() not in NO_ACTION and old not in known]
        if unknown:
            self.add_error(
                "carried",
                f"{', '.join(unknown)} {'is not an action' if len(unknown) == 1 else 'are not actions'} of "
                f"{data['previous_version']}",
            )
            return {}
        return found

    def options(self, previous: dict) -> dict:
        data = self.cleaned_data
        options = dict(previous)
        choice = data["inspection_choice"]
        options["inspection_id"] = data["inspection"].pk if choice == "existing" else None
        options["inspection_new"] = (
            {"kind": data["new_kind"], "date": data["new_date"].isoformat()} if choice == "new" else None
        )
        if self.creates_plan:
            options["plan_start"] = data["plan_start"].isoformat()
            previous_version = data.get("previous_version")
            options["previous_version_id"] = previous_version.pk if previous_version else None
            refs = data.get("carried_refs") or {}
            options["carried_refs"] = refs
            known = (
                dict(Action.objects.filter(theme__plan=previous_version).values_list("reference", "pk"))
                if previous_version
                else {}
            )
            options["carried"] = {new: (0 if old.lower() in NO_ACTION else known[old]) for new, old in refs.items()}
        return options
