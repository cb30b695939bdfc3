from django.urls import reverse
from import_export.formats.base_formats import CSV

from tests.factories.indicators import MeasurementFactory


def test_admin_exports_chosen_values_in_the_kpi_importers_long_layout(db, admin_client_):
    measurement = MeasurementFactory(indicator__code="CSC07")
    chosen = admin_client_.post(
        reverse("admin:indicators_measurement_changelist"),
        {"action": "export_admin_action", "_selected_action": [measurement.pk]},
    )
    form = chosen.context["form"]
    csv_format = next(value for value, title in form.fields["format"].choices if title.lower() == CSV().get_title())
    every_column = {name: "on" for name in form.fields if name.startswith("measurementexportresource_")}
    response = admin_client_.post(
        reverse("admin:indicators_measurement_export"),
        {"format": csv_format, "export_items": [measurement.pk], "resource": 0, **every_column},
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Code,Indicator,Period,Value,Numerator,Denominator,Commentary"
    assert lines[1].startswith("CSC07,") and ",80," in lines[1]
