from django import forms
from django.conf import settings

from core.forms import ServiceForm
from imports.parsing.plan import FIELD_LABELS
from imports.parsing.values import MEANING_LABELS
from improvement.models import Inspection, Plan
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
