from django import forms
from django.conf import settings

from core.forms import GovukDateField, ServiceForm
from imports.parsing.plan import FIELD_LABELS
from imports.parsing.values import MEANING_LABELS
from imports.queries import PREVIEW_PAGE_SIZE
from improvement.models import Action, Inspection, Plan
from indicators.models import Indicator, Unit


class GovukFileUpload(forms.FileInput):
    """GOV.UK's file upload component (its default markup: the browser's own file input, styled). Django's
    own file input template writes no class, so the component's styles and error border would be lost.
    Not GOV.UK Frontend's enhanced drop zone: axe-core finds its button's accessible name does not contain
    its visible text (label-content-name-mismatch, WCAG 2.5.3), and pages here must be axe-clean."""

    template_name = "imports/widgets/file_upload.html"


class _UploadForm(ServiceForm):
    file = forms.FileField(
        label="Spreadsheet",
        widget=GovukFileUpload,
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
        label="Title of the new plan",
        max_length=200,
        required=False,
        help_text="Needed when you are creating a new plan; leave it empty when you update one",
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


NEW_ACTION = "new"
NO_ACTION = {"none", "new", "-", "nothing"}  # what carried_refs holds for "continues none"


class PlanPreviewForm(ServiceForm):
    """The plan import's choices on the preview: the new plan's start, the inspection its recommendations
    belong to (an existing one, or one created from the file), which plan version it continues, and, once
    that version is chosen, which of its actions each action shown on this page of the preview continues.

    The re-mapping is one select per action, for the actions on the page of rows the admin is looking at
    (`page_actions`): a 20,000-row preview still sends fifty selects, and an action on a page not shown
    keeps what it had (by default the action with the same reference)."""

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
        label="Recommendations in the file",
        choices=INSPECTION_CHOICES,
        widget=forms.RadioSelect,
        initial="none",
        error_messages={"required": "Choose what to do with the recommendations in the file"},
    )
    inspection = forms.ModelChoiceField(
        queryset=Inspection.objects.all(), required=False, label="Inspection", empty_label="Choose an inspection"
    )
    new_kind = forms.ChoiceField(
        label="Kind of inspection",
        choices=[("", "Choose the kind of inspection"), *Inspection.Kind.choices],
        required=False,
    )
    inspection_date = GovukDateField(
        label="Date of the inspection",
        required=False,
        help_text="The first day of the inspection, for example 2 7 2018",
    )
    previous_version = forms.ModelChoiceField(
        queryset=Plan.objects.all(),
        required=False,
        label="This plan is a newer version of",
        empty_label="None: it does not continue another plan",
        help_text="Each action is matched to the action with the same reference in that plan; once you have "
        "chosen it and checked again, you can match each action differently.",
    )
    # The references of the actions whose selects this page showed, so a POST changes only those.
    remap_refs = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, options: dict, preview: dict, page_actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.creates_plan = bool(preview.get("creates_plan"))
        self.options_before = options
        self.remap_fields = []
        self.previous, self.previous_refs = None, set()
        # Names only the inspection choice's own fields, so the template can put them under their radio.
        self.conditional = {"existing": ["inspection"], "new": ["new_kind", "inspection_date"]}
        if not self.creates_plan:
            for name in ("plan_start", "previous_version", "remap_refs"):
                del self.fields[name]
        else:
            self.fields["plan_start"].required = True
            self.fields["plan_start"].error_messages["required"] = "Enter the date the plan started"
            self.fields["plan_start"].initial = options.get("plan_start") or preview.get("plan_start")
            self.fields["previous_version"].initial = options.get("previous_version_id")
            self._add_remap_fields(options, page_actions)
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
        self.fields["inspection_date"].initial = new.get("date")

    # -- re-mapping, one select per action shown ------------------------------------------------------

    def _add_remap_fields(self, options, page_actions):
        self.previous = Plan.objects.filter(pk=options.get("previous_version_id")).first()
        if self.previous is None:
            return
        previous_actions = list(
            Action.objects.filter(theme__plan=self.previous)
            .order_by("theme__order", "order", "pk")
            .values_list("reference", "title")
        )
        self.previous_refs = {ref for ref, _ in previous_actions}
        choices = [
            (NEW_ACTION, "A new action (it continues none)"),
            *[(ref, f"{ref} \u2013 {title}"[:120]) for ref, title in previous_actions],
        ]
        if self.is_bound:
            # Only the posted references that are new actions of this preview (the view looked them up),
            # at most a page of them; a browser sends the hidden field's line breaks as CRLF.
            refs = [ref.strip() for ref in str(self.data.get("remap_refs", "")).splitlines() if ref.strip()]
            titles = dict(page_actions)
            page_actions = [(ref, titles[ref]) for ref in refs[:PREVIEW_PAGE_SIZE] if ref in titles]
        chosen = options.get("carried_refs") or {}
        self.fields["remap_refs"].initial = "\n".join(ref for ref, _ in page_actions)
        for index, (ref, title) in enumerate(page_actions):
            name = f"continues_{index}"
            self.fields[name] = forms.ChoiceField(
                label=f"Action {ref} continues",
                choices=choices,
                required=False,
                initial=self._shown_choice(chosen.get(ref), ref),
                error_messages={
                    "invalid_choice": f"Choose an action of {self.previous} for action {ref}, or a new action"
                },
            )
            self.fields[name].widget.attrs["class"] = "govuk-!-width-full"
            self.remap_fields.append((ref, title, name))

    def _default_choice(self, ref):
        return ref if ref in self.previous_refs else NEW_ACTION

    def _shown_choice(self, stored, ref):
        if stored is None:
            return self._default_choice(ref)
        return NEW_ACTION if stored.lower() in NO_ACTION else stored

    @property
    def remap_bound_fields(self):
        """(reference, title, bound select) for each action shown, for the template's table."""
        return [(ref, title, self[name]) for ref, title, name in self.remap_fields]

    def inspection_options(self):
        """The inspection radios, each with the fields revealed under it when it is chosen."""
        return [
            (radio, [self[name] for name in self.conditional.get(radio.data["value"], [])])
            for radio in self["inspection_choice"]
        ]

    def clean(self):
        data = super().clean()
        choice = data.get("inspection_choice")
        if choice == "existing" and not data.get("inspection"):
            self.add_error("inspection", "Choose the inspection whose recommendations the plan answers")
        if choice == "new":
            if not data.get("new_kind"):
                self.add_error("new_kind", "Choose the kind of inspection to create")
            if not data.get("inspection_date") and "inspection_date" not in self.errors:
                self.add_error("inspection_date", "Enter the date of the inspection to create")
        if self.creates_plan and not data.get("plan_start") and "plan_start" not in self.errors:
            self.add_error("plan_start", "Enter the date the plan started")
        return data

    def _carried_refs(self, previous_version) -> dict:
        """{new reference: old reference or "none"} for every action matched other than by its reference.
        A choice of another version than the selects were built for starts again from the default."""
        if previous_version is None or self.previous is None or previous_version.pk != self.previous.pk:
            return {}
        refs = dict(self.options_before.get("carried_refs") or {})
        for ref, _title, name in self.remap_fields:
            chosen = self.cleaned_data.get(name) or self._default_choice(ref)
            if chosen == self._default_choice(ref):
                refs.pop(ref, None)
            else:
                refs[ref] = "none" if chosen == NEW_ACTION else chosen
        return refs

    def options(self, previous: dict) -> dict:
        data = self.cleaned_data
        options = dict(previous)
        choice = data["inspection_choice"]
        options["inspection_id"] = data["inspection"].pk if choice == "existing" else None
        options["inspection_new"] = (
            {"kind": data["new_kind"], "date": data["inspection_date"].isoformat()} if choice == "new" else None
        )
        if self.creates_plan:
            options["plan_start"] = data["plan_start"].isoformat()
            previous_version = data.get("previous_version")
            options["previous_version_id"] = previous_version.pk if previous_version else None
            refs = self._carried_refs(previous_version)
            options["carried_refs"] = refs
            known = (
                dict(Action.objects.filter(theme__plan=previous_version).values_list("reference", "pk"))
                if previous_version
                else {}
            )
            options["carried"] = {
                new: (0 if old.lower() in NO_ACTION else known[old])
                for new, old in refs.items()
                if old in known or old.lower() in NO_ACTION
            }
        return options
