"""Forms for inspections, monitoring visits, their findings and recommendations, and intervention
steps, entered in the app by admins. Forms only validate; improvement.services writes."""

from django import forms

from core import clock
from core.forms import GovukDateField, ServiceForm
from improvement.models import Inspection, InterventionEvent, Judgement, Recommendation, Theme, VisitFinding
from improvement.rules import visit_date_problem

_JUDGEMENTS = [("", "Not given"), *Judgement.choices]


def _judgement(label):
    return forms.ChoiceField(label=label, choices=_JUDGEMENTS, required=False)


class InspectionForm(ServiceForm):
    kind = forms.ChoiceField(label="Kind", choices=Inspection.Kind.choices, widget=forms.RadioSelect)
    title = forms.CharField(
        label="Title", max_length=200, required=False, help_text="For example \u201cSecond monitoring visit\u201d"
    )
    is_planned = forms.BooleanField(
        label="Planned, not yet held",
        required=False,
        help_text="Tick for a visit Ofsted has announced or you expect: it is never the \u201clatest visit\u201d",
    )
    start_date = GovukDateField(label="First day", help_text="For example 27 3 2026")
    end_date = GovukDateField(label="Last day", required=False, help_text="Leave empty for a one-day visit")
    published_date = GovukDateField(label="Date of the letter or report", required=False)
    report_url = forms.URLField(label="Link to the letter or report", required=False, assume_scheme="https")
    lead_inspector = forms.CharField(label="Lead inspector", max_length=200, required=False)
    sequence = forms.IntegerField(
        label="Monitoring visit number", required=False, min_value=1, max_value=99, help_text="1 for the first"
    )
    focus = forms.CharField(label="Focus or practice area", max_length=200, required=False)
    focus_themes = forms.ModelMultipleChoiceField(
        label="Themes the visit looked at",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    focus_recommendations = forms.ModelMultipleChoiceField(
        label="Recommendations the visit looked at",
        queryset=Recommendation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas_reviewed = forms.CharField(
        label="Areas reviewed", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="One area a line"
    )
    headline_findings = forms.CharField(
        label="Headline findings", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    progress_label = forms.CharField(
        label="Ofsted\u2019s progress judgement, in its own words",
        max_length=100,
        required=False,
        help_text="Only where the letter gave one, such as \u201cexpected progress\u201d",
    )
    findings_summary = forms.CharField(
        label="Summary of findings", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    overall_judgement = _judgement("Overall effectiveness")
    leaders_judgement = _judgement("Impact of leaders")
    help_and_protection_judgement = _judgement("Children who need help and protection")
    in_care_judgement = _judgement("Children in care")
    care_leavers_judgement = _judgement("Care leavers")

    def __init__(self, *args, themes=None, recommendations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus_themes"].queryset = themes if themes is not None else Theme.objects.none()
        self.fields["focus_recommendations"].queryset = (
            recommendations if recommendations is not None else Recommendation.objects.none()
        )
        self.fields["focus_themes"].label_from_instance = lambda theme: f"{theme.reference} {theme.title}"
        self.fields["focus_recommendations"].label_from_instance = lambda rec: f"{rec.reference}: {rec.text[:120]}"

    def clean(self):
        cleaned = super().clean()
        problem = visit_date_problem(
            is_planned=cleaned.get("is_planned", False),
            start=cleaned.get("start_date"),
            end=cleaned.get("end_date"),
            today=clock.today(),
        )
        if problem:
            self.add_error("end_date" if "last day" in problem.lower() else "start_date", problem)
        return cleaned

    @classmethod
    def initial_from(cls, inspection: Inspection) -> dict:
        initial = {name: getattr(inspection, name) for name in cls.base_fields if hasattr(inspection, name)}
        initial["focus_themes"] = list(inspection.focus_themes.all())
        initial["focus_recommendations"] = list(inspection.focus_recommendations.all())
        return initial


class RecommendationForm(ServiceForm):
    reference = forms.CharField(label="Reference", max_length=20, help_text="The council\u2019s own number, such as R3")
    text = forms.CharField(label="Recommendation", widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label="Kind", choices=Recommendation.Kind.choices, widget=forms.RadioSelect)
    order = forms.IntegerField(label="Order on the page", min_value=0, max_value=9999, required=False)

    def __init__(self, *args, inspection: Inspection, recommendation: Recommendation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.recommendation = recommendation

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        others = self.inspection.recommendations.filter(reference__iexact=reference)
        if self.recommendation is not None:
            others = others.exclude(pk=self.recommendation.pk)
        if others.exists():
            raise forms.ValidationError(f"{self.inspection} already has a recommendation {reference}")
        return reference


class FindingForm(ServiceForm):
    kind = forms.ChoiceField(label="Kind of finding", choices=VisitFinding.Kind.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label="Finding",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In the letter\u2019s own words where you can",
    )
    recommendations = forms.ModelMultipleChoiceField(
        label="Recommendations it bears on",
        queryset=Recommendation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A finding linked to none, or only to recommendations no action answers, shows as a gap",
    )
    order = forms.IntegerField(label="Order on the page", min_value=0, max_value=9999, required=False)

    def __init__(self, *args, recommendations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommendations"].queryset = (
            recommendations if recommendations is not None else Recommendation.objects.none()
        )
        self.fields["recommendations"].label_from_instance = lambda rec: f"{rec.reference}: {rec.text[:120]}"


class InterventionEventForm(ServiceForm):
    kind = forms.ChoiceField(label="Kind", choices=InterventionEvent.Kind.choices, widget=forms.RadioSelect)
    date = GovukDateField(label="Date")
    person = forms.CharField(
        label="Person", max_length=200, required=False, help_text="For example the commissioner\u2019s name"
    )
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    document_url = forms.URLField(label="Link to the document", required=False, assume_scheme="https")

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day and day > clock.today():
            raise forms.ValidationError("The date must be today or in the past")
        return day
