"""Forms for loading published statistics: the upload, the mapping of indicators to columns, and
the council's code and neighbours."""

import re

from django import forms

from core.forms import ServiceForm
from imports.forms import GovukFileUpload, _UploadForm
from indicators.models import Frequency, Indicator

NEW = "__new__"
CODE_PATTERN = re.compile(r"^(E\d{8}|\d{3})$")


class PublishedUploadForm(_UploadForm):
    meta = forms.FileField(
        label="The release's metadata file",
        required=False,
        widget=GovukFileUpload,
        help_text="The .meta.csv file published beside the data, if you have it: it says which columns are "
        "filters and which are figures. Up to 1 MB.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Data file"
        self.fields["file"].help_text = (
            "The release's CSV file from explore education statistics, up to "
            f"{self.fields['file'].help_text.rsplit('up to ', 1)[-1]}"
        )
        self.fields["file"].error_messages["required"] = "Choose the release's CSV file"
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt"
        self.fields["meta"].widget.attrs["accept"] = ".csv"

    def clean_meta(self):
        meta = self.cleaned_data.get("meta")
        if meta and meta.size > 1_048_576:
            raise forms.ValidationError("The metadata file is larger than 1 MB: choose the release's .meta.csv file")
        return meta

    def options(self):
        meta = self.cleaned_data.get("meta")
        return {"meta": meta.read().decode("utf-8-sig", errors="replace")} if meta else {}


class PublishedMappingForm(ServiceForm):
    """One group of fields per mapping found (saved on indicators, or chosen before) and one to add."""

    def __init__(self, *args, preview: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.preview = preview
        self.filter_columns = preview.get("filter_columns", [])
        mappings = list(preview.get("mappings", []))
        indicators = list(
            Indicator.objects.filter(frequency=Frequency.ANNUAL, is_active=True).values_list("code", "title")
        )
        known = {code.lower() for code, _ in indicators}
        indicator_choices = [
            ("", "Not mapped: leave out"),
            *[(code, f"{code} {title}") for code, title in indicators],
            (NEW, "A new indicator (give its code)"),
        ]
        measure_choices = [("", "Choose a column")] + [(c, c) for c in preview.get("measure_columns", [])]
        self.slots = []
        for index, mapping in enumerate([*mappings, None]):
            prefix = f"m{index}"
            chosen = (mapping or {}).get("indicator", "")
            is_new = bool(chosen) and chosen.lower() not in known
            self.fields[f"{prefix}_indicator"] = forms.ChoiceField(
                label="Indicator",
                choices=indicator_choices,
                required=False,
                initial=NEW if is_new else next((c for c, _ in indicators if c.lower() == chosen.lower()), ""),
            )
            self.fields[f"{prefix}_new_code"] = forms.CharField(
                label="Code of the new indicator",
                max_length=40,
                required=False,
                initial=chosen if is_new else "",
                help_text="Only for a new indicator. It is created as annual; set its polarity afterwards.",
            )
            self.fields[f"{prefix}_measure"] = forms.ChoiceField(
                label="Column with the figure",
                choices=measure_choices,
                required=False,
                initial=(mapping or {}).get("measure", ""),
            )
            names = [f"{prefix}_indicator", f"{prefix}_new_code", f"{prefix}_measure"]
            filters = (mapping or {}).get("filters", {})
            for column in self.filter_columns:
                values = preview.get("filter_values", {}).get(column, [])
                default = filters.get(column, "") if mapping else ("Total" if "Total" in values else "")
                name = f"{prefix}_filter_{column}"
                self.fields[name] = forms.ChoiceField(
                    label=f"Filter \u201c{column}\u201d",
                    choices=[("", "Any value")] + [(v, v) for v in values],
                    required=False,
                    initial=default,
                )
                names.append(name)
            legend = f"Mapping {index + 1}: {chosen}" if mapping else "Map another indicator"
            self.slots.append({"legend": legend, "names": names, "index": index})

    def slot_fields(self):
        return [{"legend": slot["legend"], "fields": [self[name] for name in slot["names"]]} for slot in self.slots]

    def clean(self):
        data = super().clean()
        seen = set()
        for slot in self.slots:
            prefix = f"m{slot['index']}"
            choice = data.get(f"{prefix}_indicator")
            if not choice:
                continue
            code = (data.get(f"{prefix}_new_code") or "").strip() if choice == NEW else choice
            if choice == NEW and not code:
                self.add_error(f"{prefix}_new_code", "Give the new indicator a code")
                continue
            if choice == NEW and Indicator.objects.filter(code__iexact=code).exclude(frequency="annual").exists():
                self.add_error(f"{prefix}_new_code", f"{code} is an indicator that is not annual: choose another code")
            if not data.get(f"{prefix}_measure"):
                self.add_error(f"{prefix}_measure", "Choose the column that holds the indicator's figure")
            if code.lower() in seen:
                self.add_error(f"{prefix}_indicator", "This indicator is mapped twice: map it once")
            seen.add(code.lower())
        return data

    def mappings(self) -> list[dict]:
        found = []
        for slot in self.slots:
            prefix = f"m{slot['index']}"
            choice = self.cleaned_data.get(f"{prefix}_indicator")
            if not choice:
                continue
            code = self.cleaned_data[f"{prefix}_new_code"].strip() if choice == NEW else choice
            filters = {
                column: self.cleaned_data[f"{prefix}_filter_{column}"]
                for column in self.filter_columns
                if self.cleaned_data.get(f"{prefix}_filter_{column}")
            }
            found.append({"indicator": code, "measure": self.cleaned_data[f"{prefix}_measure"], "filters": filters})
        return found


class CouncilSettingsForm(ServiceForm):
    la_code = forms.CharField(
        label="Your council's code",
        max_length=9,
        help_text="DfE's code for the council: the new form, such as E08000025, or the old three digits, such as 330.",
        error_messages={"required": "Enter your council's code"},
    )
    neighbour_codes = forms.CharField(
        label="Statistical neighbours",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="The codes of your statistical neighbours (usually 10), separated by commas or on separate lines.",
    )

    def clean_la_code(self):
        code = self.cleaned_data["la_code"].strip().upper()
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError("Enter the code as E followed by 8 digits (E08000025) or as 3 digits (330)")
        return code

    def clean_neighbour_codes(self):
        codes = [c.strip().upper() for c in re.split(r"[\s,;]+", self.cleaned_data["neighbour_codes"]) if c.strip()]
        wrong = [c for c in codes if not CODE_PATTERN.match(c)]
        if wrong:
            raise forms.ValidationError(
                "These are not council codes: " + ", ".join(wrong[:5]) + ". Use E08000025 or 330 forms."
            )
        if len(codes) > 20:
            raise forms.ValidationError("Enter at most 20 neighbours")
        if len(set(codes)) != len(codes):
            raise forms.ValidationError("A neighbour is listed twice")
        return codes
