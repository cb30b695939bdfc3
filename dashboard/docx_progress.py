"""The progress page as a Word document, from build_progress's result: plain, like the board pack
(meetings/docx_pack.py), so councils can paste it into their committee report template. RAG in words."""

from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

from core.formats import date_words
from core.text import clean_text
from dashboard.progress import lead_of
from improvement.rules import rag_label, rag_with_reason
from meetings.docx_pack import YOU_SAID_HEADERS, you_said_cells


def _day(value) -> str:
    return date_words(value) if value else "No date"


def _table(document, caption: str, headers: list[str], rows: list[list[str]]) -> None:
    document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = clean_text(str(text or ""))
    document.add_paragraph()


def _action(state) -> str:
    return clean_text(f"{state.action.reference} {state.action.title} (lead: {lead_of(state)})")


def _counts(counts) -> str:
    return ", ".join(f"{rag_label(rag)}: {count}" for rag, count in counts)


def progress_docx_bytes(result, *, published: str = "", known_on=None, you_said_we_did=None) -> bytes:
    """The .docx file for the progress page. `published` is a visit brief's stamp (its data date and
    publication date), `known_on` the day its figures were known (the publication day); a download of
    the live page has neither: its figures are as known today. `you_said_we_did`: the period's records
    (improvement.queries.you_said_we_did_rows), in their own section when given."""
    period = result.period
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(10)
    start_words = f"{period.start_visit} ({_day(period.start)})" if period.start_visit else _day(period.start)
    if period.end_visit:
        end_words = f"{period.end_visit} ({_day(period.end)})"
    else:  # a published brief is read later, when its "today" is not
        end_words = _day(period.end) if known_on else f"today ({_day(period.end)})"
    document.add_heading("Progress between monitoring visits", level=0)
    known = f"as known on {date_words(known_on)}" if known_on else "as known today"
    document.add_paragraph(clean_text(f"From {start_words} to {end_words}. Figures {known}."))
    if published:
        document.add_paragraph(clean_text(published))
    document.add_paragraph(f"Actions at the start: {_counts(result.counts_before)}.")
    document.add_paragraph(f"Actions at the end: {_counts(result.counts_after)}.")

    document.add_heading("What Ofsted looked at and said", level=1)
    visit = period.start_visit
    if visit is None:
        document.add_paragraph("The period starts on a date, not a visit.")
    else:
        for label, value in (
            ("Focus", visit.focus),
            ("Headline findings", visit.headline_findings),
            ("Progress", visit.progress_label),
        ):
            if value:
                document.add_paragraph(clean_text(f"{label}: {value}"))
        if result.findings:
            _table(
                document,
                "Findings",
                ["Finding", "Recommendations", "Gap"],
                [
                    [f.text, ", ".join(r.reference for r in recs) or "None", gap or "Answered by the plan"]
                    for f, recs, gap in result.findings
                ],
            )

    document.add_heading("By recommendation", level=1)
    _table(
        document,
        "Actions complete, on track and off track at each end",
        ["Recommendation", "At the start", "At the end", "Change", "Evidence of impact in the period"],
        [
            [
                f"{row.recommendation.reference}: {row.recommendation.text}",
                _ends(row.before),
                _ends(row.after),
                row.change_words,
                "; ".join(f"{s.action.reference}: {u.evidence_of_impact}" for s, u in row.evidence) or "None recorded",
            ]
            for row in result.recommendations
        ],
    )

    document.add_heading("By theme", level=1)
    _table(
        document,
        "RAG counts at each end",
        ["Theme", "At the start", "At the end"],
        [[str(row.theme), _counts(row.before), _counts(row.after)] for row in result.themes],
    )

    document.add_heading("Actions", level=1)
    for caption, pairs in (
        ("Completed", result.completed),
        ("Reopened", result.reopened),
        ("Newly red", result.new_reds),
        ("Other RAG moves", result.rag_moves),
        ("Added", result.added),
    ):
        if pairs:
            _table(
                document,
                f"{caption} ({len(pairs)})",
                ["Action", "RAG then", "RAG now"],
                [[_action(p.now), _then(p), rag_with_reason(p.now)] for p in pairs],
            )
        else:
            document.add_paragraph(f"{caption}: none.")
    if result.moved:
        _table(
            document,
            f"Target dates moved ({len(result.moved)})",
            ["Action", "From", "To", "Reason and who agreed"],
            [
                [
                    _action(m.state),
                    _day(m.then.target_date if m.then else None),
                    _day(m.now.target_date if m.now else None),
                    "; ".join(f"{_day(r.effective_on)}: {r.reason} (agreed by {r.agreed_by})" for r in m.revisions),
                ]
                for m in result.moved
            ],
        )
    else:
        document.add_paragraph("Target dates moved: none.")

    document.add_heading("Indicators", level=1)
    _table(
        document,
        f"{len(result.kpis)} indicators",
        ["Indicator", "At the start", "At the end", "England; statistical neighbours"],
        [
            [
                f"{k.indicator.title} ({k.indicator.code})",
                f"{k.then.value_display} ({k.then.period_label}), {k.then.rag_label}, {k.then_direction}",
                f"{k.now.value_display} ({k.now.period_label}), {k.now.rag_label}, {k.now_direction}"
                + (f"; {k.now.correction_display}" if k.now.correction_display else ""),
                f"{k.now.england_display}; {k.now.stat_neighbours_display}",
            ]
            for k in result.kpis
        ],
    )

    document.add_heading("RAG counts month by month", level=1)
    _table(
        document,
        "Actions by RAG at the end of each month",
        ["Month", *[rag_label(rag) for rag, _ in (result.trend[0].counts if result.trend else [])], "Events"],
        [
            [date_words(m.day, "month"), *[str(c) for _, c in m.counts], "; ".join(e.label for e in m.events)]
            for m in result.trend
        ],
    )

    if period.next_visit is not None:
        document.add_heading(f"Due before the next visit ({_day(period.next_visit.start_date)})", level=1)
        if result.due:
            _table(
                document,
                f"Actions due ({len(result.due)})",
                ["Action", "Due", "Lead", "RAG"],
                [[_action(s), _day(s.target_date), lead_of(s), rag_with_reason(s)] for s in result.due],
            )
        else:
            document.add_paragraph("No action target date falls before the next visit.")

    if you_said_we_did is not None:
        document.add_heading("What children and young people told us", level=1)
        if you_said_we_did:
            _table(
                document,
                "You said, we did",
                YOU_SAID_HEADERS,
                [you_said_cells(row) for row in you_said_we_did],
            )
        else:
            document.add_paragraph("Nothing is recorded for this period.")

    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _ends(counts: dict) -> str:
    words = f"{counts['complete']} complete, {counts['on_track']} on track, {counts['off_track']} off track"
    return f"{words}. {counts['gap']}" if counts["gap"] else words


def _then(pair) -> str:
    return rag_label(pair.then.rag) if pair.then else "Not in the plan then"
