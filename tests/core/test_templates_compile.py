"""Every template compiles: an unknown filter or tag, or a library an include forgot to load (loads are not
inherited by included templates), fails here rather than on the one page and role that reaches it."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NAMES = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*") if path.suffix in {".html", ".txt"})


def test_there_are_templates_to_compile():
    assert len(NAMES) > 100


@pytest.mark.parametrize("name", NAMES)
def test_template_compiles(name):
    assert get_template(name).template.source
