"""Django's {# #} comment ends at the end of its line: one spread over lines is printed into the page
(the plan page showed its own comment, in the browser's serif font, above the actions)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_has_a_one_line_comment_spread_over_lines():
    unclosed = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\{#(?!.*#\})", line)
    ]
    assert unclosed == [], "use {% comment %} for a comment of more than one line"
