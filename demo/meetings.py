"""The demo council's boards: an improvement board (monthly), a scrutiny committee (quarterly) and a
corporate parenting board (every six weeks), each with a year of meetings (three years for --size
large), agendas with minutes, numbered resolutions, actions arising (some overdue, most answered) and
a published pack for every past meeting (the last three of each board for --size large).
Everything is written through meetings.services."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from core.formats import date_words
from meetings import services
from meetings.dates import after_one_cycle
from meetings.models import Board, Meeting, MeetingAction

# (key, name, kind, cadence, weekday (Mon=0), start time, place, chair, members, external members,
#  theme references reviewed (empty: every theme), indicator code prefixes reviewed (empty: all))
BOARDS = [
    (
        "improvement",
        "Children's Improvement Board",
        Board.Kind.IMPROVEMENT_BOARD,
        Board.Cadence.MONTHLY,
        1,
        time(10, 0),
        "Committee Room 1, Riverford Town Hall",
        "adviser",
        ["adviser", "dcs", "cllr.lead", "board", "admin", "performance"],
        "Detective Superintendent Claire Hollis, Riverford Police\n"
        "Dr Amir Siddiqui, Designated Doctor for Safeguarding, Riverford integrated care board\n"
        "Lorraine Webb, Director of Children's Services, Eastshire County Council (partner in practice)",
        [],
        [],
    ),
    (
        "scrutiny",
        "Children and Young People's Overview and Scrutiny Committee",
        Board.Kind.SCRUTINY,
        Board.Cadence.QUARTERLY,
        3,
        time(18, 0),
        "Council Chamber, Riverford Town Hall",
        "board",
        ["board", "cllr.lead"],
        "Councillor Peter Lang\nCouncillor Meera Joshi\nCouncillor Dan Fry\n"
        "Charlie Hine, young people's representative (co-opted)",
        ["1", "2", "3"],
        ["CIN-", "CP-", "WF-"],
    ),
    (
        "parenting",
        "Corporate Parenting Board",
        Board.Kind.CORPORATE_PARENTING,
        Board.Cadence.SIX_WEEKLY,
        2,
        time(16, 0),
        "Committee Room 2, Riverford Town Hall",
        "cllr.lead",
        ["cllr.lead", "board", "dcs", "hos.cla"],
        "Two representatives of the Children in Care Council\nDesignated Nurse for Children in Care\n"
        "Virtual School Head",
        ["4"],
        ["CLA-", "CL-"],
    ),
]

TERMS = {
    "improvement": "Oversees the Children's Services Improvement Plan on behalf of the Department for Education. "
    "Holds leaders and partners to account for the pace and impact of improvement, agrees changes to target "
    "dates, and reports to the Secretary of State through the DfE improvement adviser.",
    "scrutiny": "Scrutinises the council's response to the inspection and the improvement plan on behalf of "
    "elected members; may ask for written updates and refer matters to Cabinet.",
    "parenting": "Makes sure the council, as corporate parent, does what a good parent would do for children in "
    "care and care leavers; hears from the Children in Care Council at every meeting.",
}

STANDING = {
    "improvement": "Apologies and declarations of interest\nMinutes of the last meeting and matters arising\n"
    "Improvement plan: exceptions report\nPerformance scorecard",
    "scrutiny": "Apologies and declarations of interest\nMinutes of the last meeting and matters arising\n"
    "Children's Improvement Plan update\nWork programme",
    "parenting": "Apologies and declarations of interest\nMinutes of the last meeting and matters arising\n"
    "Voice of the child: Children in Care Council\nPerformance: children in care and care leavers",
}

# Themed items, taken in turn: (title, presenter, purpose, theme reference, what members asked about)
TOPICS = [
    (
        "The front door: timeliness of contacts and strategy meetings",
        "Head of Service, Front Door and Assessment",
        "To consider progress since the monitoring visit on decisions at the front door.",
        "2",
        [
            "why police were still absent from some strategy meetings, and what the daily slots had changed",
            "whether the fall in contacts leading to no further action was real or a change in recording",
        ],
    ),
    (
        "Quality of child protection plans",
        "Head of Service, Children in Need and Child Protection",
        "To receive the findings of the themed audit of child protection plans.",
        "3",
        [
            "how many plans were rated good, and how parents had been involved in writing safety plans",
            "what was being done about children on a plan for a second or later time",
        ],
    ),
    (
        "Supervision and management oversight",
        "Principal Social Worker",
        "To report on the frequency and quality of supervision.",
        "5",
        [
            "whether reflective supervision training had reached every team manager",
            "how supervision was recorded on the case system and checked",
        ],
    ),
    (
        "Sufficiency of homes for children in care",
        "Head of Service, Children in Care and Care Leavers",
        "To update members on the sufficiency strategy and the two new children's homes.",
        "4",
        [
            "the number of children living more than 20 miles from home, and the plan to bring them closer",
            "progress on registering the first children's home with Ofsted",
        ],
    ),
    (
        "Care leavers in education, employment or training",
        "Head of Service, Children in Care and Care Leavers",
        "To consider the offer to care leavers and the ring-fenced apprenticeships.",
        "4",
        [
            "how many apprenticeships had been taken up and what young people said about them",
            "whether personal advisers were in touch with every care leaver",
        ],
    ),
    (
        "Workforce: recruitment and retention",
        "Principal Social Worker",
        "To report on caseloads, agency staff and the academy for newly qualified social workers.",
        "5",
        [
            "how the council compared with neighbours on agency staff and turnover",
            "what newly qualified social workers said about their protected caseloads",
        ],
    ),
    (
        "Quality assurance: what audits are telling us",
        "Head of Quality Assurance",
        "To present the quarterly learning report from case audits.",
        "6",
        [
            "how the voice of the child was shown in the audited records",
            "how learning from audits had changed training",
        ],
    ),
]

ASKS = [
    (MeetingAction.Kind.WRITTEN_UPDATE, "A written update on the actions due before the next meeting", "officer"),
    (
        MeetingAction.Kind.DATA_REQUEST,
        "Figures for strategy meetings held without police, by month, for the last six months",
        "officer",
    ),
    (MeetingAction.Kind.DATA_REQUEST, "Caseloads by team against team targets", "pm.workforce"),
    (
        MeetingAction.Kind.FUTURE_ITEM,
        "A report on children placed more than 20 miles from home for a future meeting",
        "hos.cla",
    ),
    (MeetingAction.Kind.TRAINING, "A briefing session for members on reading the performance scorecard", "performance"),
    (
        MeetingAction.Kind.WRITTEN_UPDATE,
        "A written response on why repeat child protection plans have risen",
        "hos.cin",
    ),
    (
        MeetingAction.Kind.REFERRAL,
        "Ask the Corporate Parenting Board to monitor initial health assessments and report back",
        "hos.cla",
    ),
    (
        MeetingAction.Kind.DATA_REQUEST,
        "The audit sample's ratings by team, and how families' feedback was gathered",
        "qa.lead",
    ),
]
RESPONSES = [
    "Circulated to members by email; no further questions were raised.",
    "Figures provided in the performance appendix and discussed under matters arising.",
    "Briefing held; slides shared with members who could not attend.",
    "Report added to the work programme and presented.",
]


def _meeting_dates(today: date, cadence: str, weekday: int, years: int, future: int = 2) -> list[date]:
    """Meetings from `years` ago to `future` meetings ahead, each moved to the board's usual weekday."""
    day = today - timedelta(days=365 * years)
    found, ahead = [], 0
    while ahead < future:
        meeting_day = day + timedelta(days=(weekday - day.weekday()) % 7)
        found.append(meeting_day)
        if meeting_day > today:
            ahead += 1
        day = after_one_cycle(day, cadence)
    return found


def _minutes(ctx, key, topic, meeting_day, previous_day) -> str:
    title, presenter, purpose, _, questions = topic
    lines = [
        f"The {presenter} presented the report, a copy of which had been circulated to each member.",
        "",
        "Members of the Board asked questions in relation to the following:",
        "",
        *[f"\u00b7 {question};" for question in questions],
        "",
    ]
    if previous_day:
        lines.append(
            f"Members noted the progress since the meeting on {date_words(previous_day)} and "
            "asked that the next report show the impact on children, not only the activity: "
            "\u201cso what, is any child better off?\u201d"
        )
    else:
        lines.append("Members welcomed the report and asked that future reports show the impact on children.")
    return "\n".join(lines)


def build(ctx):
    users = ctx.users
    if not users:
        return
    today = ctx.today
    years = 3 if ctx.size == "large" else 1
    asks_per_meeting = 3 if ctx.size == "large" else 2
    # Publishing renders a full pack; on the large plan only the most recent few are published.
    packs_per_board = 3 if ctx.size == "large" else None  # small: every past meeting
    themes = {t.reference: t for t in ctx.objects.get("themes", [])}
    indicators = ctx.objects.get("indicators", [])
    clerks = [users["clerk"], users.get("clerk2", users["clerk"])]
    boards, ask_index = {}, 0

    # Every board first, so an action arising can be referred to another board.
    for key, name, kind, cadence, _, _, _, chair, members, external, theme_refs, prefixes in BOARDS:
        boards[key] = services.create_board(
            name=name,
            kind=kind,
            cadence=cadence,
            terms_of_reference=TERMS[key],
            chair=users.get(chair),
            members=[users[m] for m in members if m in users],
            external_members=external,
            standing_items=STANDING[key],
            themes=[themes[ref] for ref in theme_refs if ref in themes],
            indicators=[i for i in indicators if any(i.code.startswith(p) for p in prefixes)] if prefixes else [],
        )
    for b_index, (key, _, _, cadence, weekday, starts, place, *_) in enumerate(BOARDS):
        board = boards[key]
        clerk = clerks[b_index % 2]
        days = _meeting_dates(today, cadence, weekday, years)
        past_days = [d for d in days if d <= today]
        meetings = [
            services.schedule_meeting(
                board=board,
                starts_at=timezone.make_aware(datetime.combine(day, starts)),
                place=place,
                status=Meeting.Status.HELD if day <= today else Meeting.Status.SCHEDULED,
                # The latest meeting's minutes wait for approval at the next one.
                minutes_status=Meeting.MinutesStatus.APPROVED if day < past_days[-1] else Meeting.MinutesStatus.DRAFT,
                add_standing_items=False,
            )
            for day in days
        ]
        # Agendas and actions arising once every meeting exists: an action is due by the next one.
        for m_index, meeting in enumerate(meetings):
            held = meeting.status == Meeting.Status.HELD
            previous_day = days[m_index - 1] if m_index else None
            _agenda(ctx, board, meeting, key, m_index, previous_day, held, themes, indicators)
            if held:
                for _ in range(asks_per_meeting):
                    kind_, text, owner = ASKS[ask_index % len(ASKS)]
                    ask_index += 1
                    services.record_action_arising(
                        meeting=meeting,
                        description=text,
                        kind=kind_,
                        owner=users.get(owner),
                        referred_to=boards["parenting"] if kind_ == MeetingAction.Kind.REFERRAL else None,
                    )
        _close_most_actions(ctx, board)
        held = [m for m in meetings if m.status == Meeting.Status.HELD]
        for meeting in held[-packs_per_board:] if packs_per_board else held:
            # Papers go out before the meeting: date the copy to the morning of the meeting.
            services.publish_pack(
                meeting=meeting, published_by=clerk, published_at=meeting.starts_at - timedelta(hours=2)
            )
    ctx.objects["boards"] = list(boards.values())


def _agenda(ctx, board, meeting, key, m_index, previous_day, held, themes, indicators):
    day = meeting.date
    standing = board.standing_items_list
    minutes = {
        0: "Apologies were received from Councillor Dan Fry and the Designated Nurse. "
        "No declarations of interest were made."
        if held
        else "",
        1: (
            f"The minutes of the meeting held on {date_words(previous_day)} were agreed as a correct "
            "record and signed by the Chair. Matters arising were taken from the actions log; open actions are "
            "carried forward."
            if previous_day
            else "This was the first meeting of the Board under its revised terms of reference."
        )
        if held
        else "",
        2: "The report set out the exceptions: actions rated red or amber, actions past their target date and any "
        "requests to move a target date, followed by what had changed since the last meeting. Members challenged the "
        "reasons given for two revised target dates and asked whether the recovery plans were realistic."
        if held
        else "",
        3: "Members went through the indicators that were off target with the performance lead. Some of the data was "
        "not easy to understand and members asked for the plain-English definitions to be included with the pack."
        if held
        else "",
    }
    theme_list = list(themes.values())
    for order, title in enumerate(standing, start=1):
        item = services.add_agenda_item(
            meeting=meeting,
            title=title,
            order=order,
            presenter="Chair" if order <= 2 else "Improvement Programme Manager",
            minutes=minutes.get(order - 1, ""),
            themes=theme_list if order == 3 and key == "improvement" else [],
        )
        if held and order == 2 and previous_day:
            services.record_resolution(
                item=item,
                text=f"That the minutes of the meeting held on {date_words(previous_day)} "
                "be approved as a correct record.",
            )
        if held and order == 3:
            services.record_resolution(item=item, text="That the exceptions report be noted.")
            if m_index % 3 == 1:
                services.record_resolution(
                    item=item,
                    text="That the revised target dates set out in the report be "
                    "agreed, with the reasons recorded in the plan.",
                )
    topic = TOPICS[(m_index + len(key)) % len(TOPICS)]
    item = services.add_agenda_item(
        meeting=meeting,
        title=topic[0],
        presenter=topic[1],
        purpose=topic[2],
        minutes=_minutes(ctx, key, topic, day, previous_day) if held else "",
        themes=[themes[topic[3]]] if topic[3] in themes else [],
    )
    if held:
        services.record_resolution(item=item, text="That the report be noted.")
        services.record_resolution(
            item=item,
            text="That a further update be brought to a future meeting, "
            "showing the impact on children and young people.",
        )


def _close_most_actions(ctx, board):
    """Most actions arising were answered by the following meeting; every fourth is still open, so some
    are overdue, and those from the latest meeting are open and not yet due."""
    today = ctx.today
    actions = list(MeetingAction.objects.filter(meeting__board=board).select_related("meeting").order_by("pk"))
    for index, action in enumerate(actions):
        if action.due_date is None or action.due_date > today or index % 5 == 3:
            continue
        services.respond_to_action_arising(
            action_arising=action,
            status=MeetingAction.Status.DROPPED if index % 11 == 5 else MeetingAction.Status.DONE,
            response=RESPONSES[index % len(RESPONSES)],
            responded_on=action.due_date - timedelta(days=3),
        )
