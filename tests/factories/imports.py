import hashlib

import factory

from imports.models import ImportJob
from tests.imports import fixtures


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportJob

    kind = ImportJob.Kind.PLAN
    state = ImportJob.State.PREVIEWED
    file_name = "plan.xlsx"
    file_bytes = factory.LazyFunction(lambda: fixtures.xlsx_bytes({"Plan": [["Ref", "Action"], ["1.1", "A"]]}))
    file_size = factory.LazyAttribute(lambda job: len(job.file_bytes))
    sha256 = factory.LazyAttribute(lambda job: hashlib.sha256(job.file_bytes).hexdigest())
    options = factory.LazyFunction(lambda: {"new_plan_title": "Imported plan"})
    preview = factory.LazyFunction(
        lambda: {
            "counts": {"created": 3, "updated": 0, "unchanged": 0},
            "problems": [],
            "problem_count": 0,
            "error_count": 0,
            "refusal": "",
            "can_confirm": True,
        }
    )
