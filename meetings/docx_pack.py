"""The board pack as a Word document, from build_pack's plain data (live or as published).

Councils paste packs into their committee report template, so the document is plain: the built-in
Title, Heading 1 and Heading 2 styles, real tables with a header row, and RAG written in words.
"""

import re
from copy import deepcopy
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from core.formats import as_date, date_words
from core.text import clean_nested, clean_text

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EXCEPTION_HEADERS = ["Action", "RAG", "Why it is here", "Target date", "Latest update"]

# The width of the text on a landscape A4 page with 15 mm margins.
TEXT_WIDTH_MM = 297 - 2 * 15

# How wide each column is, relative to the others in its table: what people write (an update, a
# commentary, an answer) gets the room; a RAG, a date or a number gets only what it needs. Word's own
# autofit gives every column the same width, squeezing a paragraph of narrative into a sliver.
COLUMN_WEIGHTS = {
    "Latest update": 5,
    "Commentary": 5,
    "Status": 4,
    "Cause and mitigation": 5,
    "Why it is here": 2.5,
    "Action": 3.5,
    "Indicator": 3,
    "What was asked": 4,
    "What was referred": 4,
    "Risk": 3,
    "Direction of travel": 2.2,
    "England; statistical neighbours": 2.2,
    "Change or normal variation": 3,
    "Likelihood and impact": 2,
    "Owner and review": 2,
    "Of whom": 1.8,
    "From": 1.8,
    "Note": 3,
    "Latest value": 1.6,
    "New target": 1.4,
    "Target": 1.4,
    "RAG": 1.3,
    "RAG now": 1.3,
    "RAG before": 1.3,
    "Rating": 1,
    "Target date": 1.4,
    "Target date before": 1.4,
    "Due": 1.4,
    "Raised": 1.4,
}

# The pack's sections, in order, for the cover's contents list.
SECTIONS = [
    "1. Exceptions",
    "2. What changed since the previous meeting",
    "3. Due before the next meeting",
    "4. Indicator scorecard",
    "5. Actions arising from previous meetings",
    "6. Referred to this board",
    "7. Risks to delivery",
    "8. What children and young people told us",
]


def column_widths(headers: list[str]) -> list[int]:
    """Each column's width in mm (whole mm), in proportion to COLUMN_WEIGHTS, filling the text width."""
    weights = [COLUMN_WEIGHTS.get(header, 2) for header in headers]
    return [round(TEXT_WIDTH_MM * weight / sum(weights)) for weight in weights]


def _day(value) -> str:
    if not value:
        return ""
    return date_words(as_date(value))


def _table(document, headers: list[str], rows: list[list[str]], caption: str):
    """A captioned table with a bold header row repeated on each page."""
    document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    widths = [Mm(width) for width in column_widths(headers)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the table's grid, which LibreOffice reads
    header_cells = table.rows[0].cells
    for cell, text, width in zip(header_cells, headers, widths, strict=True):
        cell.text = ""
        cell.width = width  # each cell's own width, which Word reads
        cell.paragraphs[0].add_run(text).bold = True
    _repeat_header(table.rows[0])
    # A large pack has a thousand rows: python-docx's add_row() and cell.text re-read the table's grid
    # and look up styles for every cell (about half a second). Each row is instead a copy of one empty
    # row python-docx made, with one run a cell written as cell.text would write it.
    if rows:
        blank_row = table.add_row()
        for cell, width in zip(blank_row.cells, widths, strict=True):
            cell.width = width
        blank = blank_row._tr
        table._tbl.remove(blank)
        for values in rows:
            row = deepcopy(blank)
            for cell, text in zip(row.iterchildren(qn("w:tc")), values, strict=True):
                cell.find(qn("w:p")).append(_run(str(text or "")))
            table._tbl.append(row)
    document.add_paragraph()
    return table


_BREAKS = re.compile(r"([\t\r\n])")


def _run(text: str):
    """A w:r holding text as python-docx's run.text writes it: a tab is w:tab, each CR or LF a w:br."""
    run = OxmlElement("w:r")
    for piece in _BREAKS.split(text):
        if piece == "\t":
            run.append(OxmlElement("w:tab"))
        elif piece in ("\r", "\n"):
            run.append(OxmlElement("w:br"))
        elif piece:
            element = OxmlElement("w:t")
            element.text = piece
            if piece.strip() != piece:  # as python-docx: keep leading and trailing spaces
                element.set(qn("xml:space"), "preserve")
            run.append(element)
    return run


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _action_name(row) -> str:
    lead = f" (lead: {row['lead']})" if row.get("lead") else ""
    return f"{row['reference']} {row['title']}{lead}"


def _update(row) -> str:
    if not row.get("narrative"):
        return "No update recorded"
    return f"{row['narrative']} ({_day(row['update_date'])})"


def _target(row) -> str:
    text = _day(row.get("target_date")) or "No date"
    if row.get("has_slipped"):
        text += f" (originally {_day(row['original_target_date'])})"
    return text


def _say(document, text: str) -> None:
    document.add_paragraph(text)


def pack_docx_bytes(pack: dict, *, published: str = "") -> bytes:
    """The .docx file for a pack dict. `published` is the 'as at..., published by...' line, if any."""
    # Text stored before it was cleaned on the way in (published packs, old updates) is cleaned
    # here: one control character would otherwise make python-docx refuse the whole document.
    pack, published = clean_nested(pack), clean_text(published)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Mm(15))
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(10)

    meeting = pack["meeting"]
    _header_and_footer(section, f"{meeting['board']}, {_day(meeting['date'])}")
    document.add_heading(f"{meeting['board']}: board pack", level=0)
    place = f", {meeting['place']}" if meeting["place"] else ""
    _say(document, f"Meeting on {_day(meeting['date'])}, {meeting['time']}{place}.")
    _say(document, published or f"Plan and indicator data as at {_day(pack['as_at'])}.")
    _cover(document, pack)
    if pack.get("plan"):
        _say(document, f"Plan: {pack['plan']['title']}, {pack['plan']['version']}.")
    _say(document, f"Covers actions in {pack['scope']['themes']} and {pack['scope']['indicators']}.")
    counts = ", ".join(f"{item['label']}: {item['count']}" for item in pack["rag_counts"])
    _say(document, f"Actions by RAG. {counts}.")
    for paper in pack.get("papers", []):
        note = f" {paper['note']}" if paper.get("note") else ""
        _say(document, f"Published since the previous meeting: {paper['kind']}, {paper['title']}, by "
                       f"{paper['published_by']} on {_day(paper['published_on'])}.{note}")  # fmt: skip

    document.add_heading("1. Exceptions", level=1)
    actions = pack["exceptions"]["actions"]
    if actions:
        _table(
            document,
            EXCEPTION_HEADERS,
            [[_action_name(r), r["rag_label"], "; ".join(r["reasons"]), _target(r), _update(r)] for r in actions],
            f"Actions needing the board's attention ({len(actions)})",
        )
    else:
        _say(document, "No action is red, amber, overdue or moved.")
    kpis = pack["exceptions"]["kpis"]
    if kpis:
        _table(
            document,
            ["Indicator", "Latest value", "Target", "RAG", "Commentary"],
            [
                [
                    f"{r['title']} ({r['code']})",
                    f"{r['value']} ({r['period']})",
                    r["target"],
                    r["rag_label"],
                    r["commentary"] or "No commentary given",
                ]
                for r in kpis
            ],
            f"Indicators off target ({len(kpis)})",
        )
    else:
        _say(document, "Every indicator with a target is on target.")

    document.add_heading("2. What changed since the previous meeting", level=1)
    changes = pack.get("changes")
    if changes:
        _say(document, f"Between {_day(changes['since'])} and {_day(pack['as_at'])}.")
        _change_table(document, changes["completed"], "Actions completed", "No action was completed.")
        _change_table(document, changes["new_reds"], "New reds", "No action turned red.", from_rag=True)
        _change_table(
            document, changes["rag_moves"], "Other changes of RAG", "No other action changed RAG.", from_rag=True
        )
        _change_table(document, changes["slipped"], "Target dates moved", "No target date moved.", from_date=True)
        if changes.get("added"):
            _change_table(document, changes["added"], "Actions added to the plan", "")
    else:
        _say(document, "There is no earlier meeting of this board to compare with.")

    document.add_heading("3. Due before the next meeting", level=1)
    _say(document, f"Dates after {_day(pack['as_at'])} and by {_day(pack['window_end'])}.")
    due = pack["due"]
    if due["actions"]:
        _table(
            document,
            ["Action", "Due", "RAG", "Status"],
            [[_action_name(r), _day(r["target_date"]), r["rag_label"], r["status"]] for r in due["actions"]],
            f"Actions due ({len(due['actions'])})",
        )
    else:
        _say(document, "No action target date falls before the next meeting.")
    if due["targets"]:
        _table(
            document,
            ["Indicator", "From", "New target", "Note"],
            [
                [f"{r['title']} ({r['code']})", _day(r["effective_from"]), r["target"], r["note"] or "None"]
                for r in due["targets"]
            ],
            f"Indicator targets starting ({len(due['targets'])})",
        )
    else:
        _say(document, "No indicator target changes before the next meeting.")

    document.add_heading("4. Indicator scorecard", level=1)
    if pack["scorecard"]:
        _table(
            document,
            [
                "Indicator",
                "Latest value",
                "Target",
                "RAG",
                "Direction of travel",
                "England; statistical neighbours",
                "Change or normal variation",
            ],
            [
                [
                    f"{r['title']} ({r['code']})" + (". New since the previous meeting" if _is_new(r) else ""),
                    f"{r['value']} ({r['period']})",
                    r["target"],
                    r["rag_label"],
                    f"Since last period: {r['short_term']}. Since last year: {r['long_term']}.",
                    f"{r['england']}; {r['stat_neighbours']}",
                    " ".join(part for part in (r.get("signal", ""), r.get("signal_assurance", "")) if part),
                ]
                for r in pack["scorecard"]
            ],
            f"{len(pack['scorecard'])} indicators, reds first",
        )
    else:
        _say(document, "No indicators.")

    document.add_heading("5. Actions arising from previous meetings", level=1)
    arising = pack["actions_arising"]
    if arising:
        _table(
            document,
            ["What was asked", "Of whom", "Raised", "Due", "Status"],
            [
                [
                    f"{r['description']} ({r['kind']})",
                    r["owner"] or "Not named",
                    _day(r["raised_at"]),
                    (_day(r["due_date"]) or "No date")
                    + (f" ({r['days_overdue']} days overdue)" if r["days_overdue"] else ""),
                    _answer(r),
                ]
                for r in arising
            ],
            f"Open at this meeting ({len(arising)})",
        )
    else:
        _say(document, "No action arising from earlier meetings was open.")

    _closing_the_loop(document, pack)

    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _is_new(row) -> bool:
    # A pack published before "what moved" existed has no "since" on its rows.
    return bool(row.get("since", {}).get("new"))


def _header_and_footer(section, heading: str) -> None:
    """Every page headed with the board and the meeting's date, and footed "Page n of m" with Word's
    PAGE and NUMPAGES fields (Word and LibreOffice fill them in as the document is laid out)."""
    section.header.paragraphs[0].text = heading
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")


def _field(paragraph, code: str, shown: str) -> None:
    """A complex field (begin, instruction, separate, the last value shown, end): the form Word itself
    writes, which every word processor reads."""
    for kind, text in (("begin", None), ("instr", code), ("separate", None), ("shown", shown), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = f" {text} "
            run._r.append(instruction)
        elif kind == "shown":
            run.text = text
        else:
            marker = OxmlElement("w:fldChar")
            marker.set(qn("w:fldCharType"), kind)
            run._r.append(marker)


def _cover(document, pack: dict) -> None:
    """The first page: the meeting's agenda and the pack's contents, then a page break. A pack published
    before the agenda was part of it has no agenda key and shows no agenda (nor members, before those)."""
    if pack.get("members"):
        document.add_heading("Board members", level=1)
        for seat in pack["members"]:
            document.add_paragraph(f"{seat['name']}, {seat['role'].lower()}" if seat["role"] else seat["name"])
    if "agenda" in pack:
        document.add_heading("Agenda", level=1)
        if pack["agenda"]:
            for item in pack["agenda"]:
                presenter = f" ({item['presenter']})" if item["presenter"] else ""
                document.add_paragraph(f"{item['title']}{presenter}", style="List Number")
        else:
            _say(document, "No agenda items have been added to this meeting.")
    document.add_heading("Contents", level=1)
    # Sections 6 to 8 came with issue 17: a pack published before then has none of them.
    later = {
        "6. Referred to this board": "referred_to_board",
        "7. Risks to delivery": "risks",
        "8. What children and young people told us": "you_said_we_did",
    }
    sections = [name for name in SECTIONS if later.get(name, "meeting") in pack]
    for name in sections:
        document.add_paragraph(name)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _answer(r) -> str:
    words = r["status"]
    if r.get("response"):
        source = f"Answer from {r['referred_to']}: " if r.get("referred_to") else ""
        words += f": {source}{r['response']}"
        if r.get("answered_on"):
            by = f" by {r['answered_by']}" if r.get("answered_by") else ""
            words += f" (written update{by}, {_day(r['answered_on'])})"
    return words


def _closing_the_loop(document, pack: dict) -> None:
    """The sections issue 17 added: referrals to this board, risks to delivery and "you said, we did".
    A pack published before they existed has none of these keys and shows none of them."""
    if "referred_to_board" in pack:
        document.add_heading("6. Referred to this board", level=1)
        referred = pack["referred_to_board"]
        if referred:
            _table(
                document,
                ["What was referred", "From", "Due", "Status"],
                [
                    [
                        r["description"],
                        f"{r['raised_by']}, {_day(r['raised_at'])}",
                        _day(r["due_date"]) or "No date",
                        _answer(r),
                    ]
                    for r in referred
                ],
                f"Referrals ({len(referred)})",
            )
        else:
            _say(document, "No other board has referred a matter to this board.")
    if "risks" in pack:
        document.add_heading("7. Risks to delivery", level=1)
        risks = pack["risks"]
        if risks:
            _table(
                document,
                ["Risk", "Rating", "Likelihood and impact", "Cause and mitigation", "Owner and review"],
                [
                    [
                        r["title"] + (f" (themes: {'; '.join(r['themes'])})" if r["themes"] else ""),
                        r["rating"],
                        f"Likelihood {r['likelihood']} of 5, impact {r['impact']} of 5",
                        (f"Cause: {r['cause']}. " if r["cause"] else "")
                        + f"Mitigation: {r['mitigation'] or 'None recorded'}",
                        (r["owner"] or "Not named")
                        + (f", review by {_day(r['review_date'])}" if r["review_date"] else ""),
                    ]
                    for r in risks
                ],
                f"Open risks to delivery ({len(risks)})",
            )
        else:
            _say(document, "No open risk to delivery is recorded.")
    if "you_said_we_did" in pack:
        document.add_heading("8. What children and young people told us", level=1)
        rows = pack["you_said_we_did"]
        if rows:
            _table(
                document,
                YOU_SAID_HEADERS,
                [you_said_cells(r) for r in rows],
                f"You said, we did ({len(rows)})",
            )
        else:
            _say(document, "Nothing new is recorded.")


YOU_SAID_HEADERS = ["You said", "Who, and when", "We did", "Theme"]


def you_said_cells(row: dict) -> list[str]:
    """One "you said, we did" record (improvement.queries.you_said_we_did_rows) as a Word table's cells,
    for the pack and the progress paper alike."""
    if row["changed_on"]:
        did = f"{row['what_changed']} ({_day(row['changed_on'])})"
    else:
        did = "Not yet: the change is still being made"
    return [row["what_was_said"], f"{row['said_by']}, {_day(row['said_on'])}", did, row["theme"]]


def _change_table(document, rows, caption, empty, *, from_rag=False, from_date=False):
    if not rows:
        if empty:
            _say(document, f"{caption}: {empty[0].lower()}{empty[1:]}")
        return
    headers = ["Action"] + (["RAG before"] if from_rag else []) + ["RAG now"]
    headers += (["Target date before"] if from_date else []) + ["Target date", "Latest update"]
    values = []
    for r in rows:
        line = [_action_name(r)]
        if from_rag:
            line.append(r.get("from_label") or "Not in the plan then")
        line.append(r["rag_label"])
        if from_date:
            line.append(_day(r["from_date"]))
        line += [_day(r["target_date"]) or "No date", _update(r)]
        values.append(line)
    _table(document, headers, values, f"{caption} ({len(rows)})")
