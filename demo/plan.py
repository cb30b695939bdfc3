"""The demo council's improvement journey: an inadequate inspection, intervention, monitoring visits
and a plan of 48 actions (960 for --size large) with over a year of progress updates each."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from core.formats import date_words, person_name
from improvement.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    Inspection,
    InterventionEvent,
    Judgement,
    Plan,
    Progress,
    Rag,
    Recommendation,
    TargetDateRevision,
    Theme,
    VisitFinding,
)
from improvement.rules import compute_action_rag
from improvement.services import link_new_actions

RECOMMENDATIONS = [
    ("R1", "The timeliness and quality of the response to children at the front door, including strategy meetings"),
    (
        "R2",
        "The quality and effectiveness of plans for children in need and those subject to a child protection plan, including safety plans agreed with parents",
    ),
    ("R3", "Capacity, quality, consistency and impact of supervision and management oversight"),
    ("R4", "The sufficiency and stability of homes for children in care, and the timeliness of permanence planning"),
    ("R5", "The quality of pathway plans and suitable accommodation for care leavers"),
    ("R6", "Consistency of response to 16 and 17-year-olds who present as homeless"),
    ("R7", "The use of performance information and audit to understand the quality of practice"),
]

# (reference, title, lead user name, theme lead as written, recommendations answered, actions)
# Each action: (title, detail, success measure)
THEMES = [
    (
        "1",
        "Leadership, management and governance",
        "dcs",
        "Director of Children's Services",
        ["R3"],
        [
            (
                "Establish an improvement board with an independent chair",
                "Terms of reference agreed with DfE; monthly meetings with partners.",
                "Board meets monthly with 90% attendance; minutes published within 10 working days",
            ),
            (
                "Agree a single practice model across children's social care",
                "Adopt a relational practice model, with training for all managers.",
                "All teams trained by the target date; audits show the model in 70% of cases",
            ),
            (
                "Strengthen corporate parenting through the Corporate Parenting Board",
                "Refresh membership and forward plan, with the children in care council.",
                "Children in care council attends every board; two actions a year come from young people",
            ),
            (
                "Report progress to scrutiny and cabinet each quarter",
                "A standing item on the scrutiny committee work programme.",
                "Quarterly reports on time for four quarters in a row",
            ),
            (
                "Review the budget for children's social care and agree growth",
                "Medium-term financial plan to fund caseload reduction and placements.",
                "Budget growth agreed by full council; forecast overspend below 2%",
            ),
            (
                "Set up a partnership performance group with police and health",
                "Shared data set for the front door and child protection.",
                "Partnership data set reviewed at every safeguarding partnership meeting",
            ),
            (
                "Review senior leadership structure and recruit permanent heads of service",
                "Reduce reliance on interim leaders.",
                "All heads of service posts filled permanently",
            ),
            (
                "Publish a communications plan for staff about the improvement journey",
                "Monthly staff briefing and a yearly staff survey.",
                "Staff survey: 70% say they understand the improvement priorities",
            ),
        ],
    ),
    (
        "2",
        "Front door and early help",
        "officer",
        "Head of Service, Front Door and Assessment",
        ["R1", "R6"],
        [
            (
                "Redesign the MASH so every contact has a decision within 24 hours",
                "Revised triage, co-located police and health staff.",
                "95% of contacts decided within 24 hours",
            ),
            (
                "Hold strategy meetings within agreed timescales with police present",
                "Daily strategy meeting slots with police and health.",
                "90% of strategy meetings held within 3 working days of the referral",
            ),
            (
                "Improve the timeliness and quality of assessments",
                "Assessment template reviewed; weekly performance clinics.",
                "85% of assessments completed within 45 working days; audits rate 60% good or better",
            ),
            (
                "Reduce repeat referrals through early help step-down",
                "Step-down panel and a single early help assessment.",
                "Re-referrals within 12 months below 22%",
            ),
            (
                "Agree a joint protocol for 16 and 17-year-olds who present as homeless",
                "Joint assessment with housing; Southwark judgment applied.",
                "Every young person presenting homeless gets a joint assessment within 10 days",
            ),
            (
                "Embed thresholds guidance with partners",
                "Multi-agency threshold training and a refreshed document.",
                "Contacts leading to no further action fall below 40%",
            ),
            (
                "Introduce management oversight records at the front door",
                "Manager decision recorded on every contact.",
                "100% of contacts show a manager decision in the audit sample",
            ),
            (
                "Review the out-of-hours emergency duty service",
                "Joint review with the neighbouring council.",
                "Out-of-hours contacts passed to day teams by 9am next working day",
            ),
        ],
    ),
    (
        "3",
        "Children in need and child protection",
        "hos.cin",
        "Head of Service, Children in Need and Child Protection",
        ["R2", "R3"],
        [
            (
                "Make every child protection plan SMART with a clear contingency plan",
                "New plan template and training for conference chairs.",
                "80% of plans rated good in audits",
            ),
            (
                "Agree safety plans with parents and the network for every child",
                "Family network meetings before initial conferences.",
                "Safety plans on file for 90% of children subject to a plan",
            ),
            (
                "Visit children subject to a plan within timescale and see them alone",
                "Visit tracker reviewed weekly by team managers.",
                "95% of visits in timescale; children seen alone in 85%",
            ),
            (
                "Strengthen the use of the Public Law Outline pre-proceedings",
                "Legal gateway panel and tracker.",
                "Pre-proceedings concluded within 16 weeks in 75% of cases",
            ),
            (
                "Improve the quality of core group meetings",
                "Core group guidance and attendance monitoring.",
                "Core groups held every 4 weeks for 90% of children",
            ),
            (
                "Reduce the number of children on a plan for a second or later time",
                "Review of repeat plans by the safeguarding unit.",
                "Repeat plans below 20%",
            ),
            (
                "Embed domestic abuse practice guidance across teams",
                "Safe and Together training for social workers.",
                "All social workers trained; audit shows domestic abuse addressed in plans",
            ),
            (
                "Respond consistently to children at risk of exploitation",
                "Exploitation panel and a screening tool.",
                "Every child screened as high risk has a multi-agency plan",
            ),
        ],
    ),
    (
        "4",
        "Children in care and care leavers",
        "hos.cla",
        "Head of Service, Children in Care and Care Leavers",
        ["R4", "R5"],
        [
            (
                "Publish a sufficiency strategy and open two local children's homes",
                "Capital bid and registration with Ofsted.",
                "Two homes registered; fewer children placed over 20 miles away",
            ),
            (
                "Recruit 30 more foster carers",
                "Marketing campaign and a better allowance offer.",
                "30 new fostering households approved",
            ),
            (
                "Make permanence plans at the second review for every child",
                "Permanence tracker and monthly panel.",
                "90% of children have a permanence plan by the second review",
            ),
            (
                "Improve the quality of pathway plans with young people",
                "Co-produced pathway plan template.",
                "75% of pathway plans rated good in audits; young people say they own their plan",
            ),
            (
                "Ensure care leavers live in suitable accommodation",
                "Staying Put and supported lodgings offer expanded.",
                "90% of care leavers aged 19-21 in suitable accommodation",
            ),
            (
                "Increase care leavers in education, employment or training",
                "Council apprenticeships ring-fenced for care leavers.",
                "Care leavers in EET rises to 60%",
            ),
            (
                "Review placement stability and support for carers",
                "Stability meetings when a placement is at risk.",
                "Children with 3 or more placements in a year below 10%",
            ),
            (
                "Ensure initial health assessments happen within 20 working days",
                "Joint process with health commissioners.",
                "80% of initial health assessments within 20 working days",
            ),
        ],
    ),
    (
        "5",
        "Workforce: recruitment, retention and practice",
        "pm.workforce",
        "Principal Social Worker",
        ["R3"],
        [
            (
                "Reduce average caseloads to 18 children per social worker",
                "Additional posts and caseload weighting.",
                "Average caseload 18 or fewer in every team",
            ),
            (
                "Reduce reliance on agency social workers",
                "Recruitment and retention payments; international recruitment.",
                "Agency social workers below 20% of the workforce",
            ),
            (
                "Launch an academy for newly qualified social workers",
                "Protected caseloads and a learning programme.",
                "ASYE completion 95%; 85% still in post after 2 years",
            ),
            (
                "Deliver reflective supervision training to all managers",
                "Three-day course with observation.",
                "Audits show reflective supervision in 70% of records",
            ),
            (
                "Set supervision frequency standards and monitor them",
                "Supervision recorded on the case system.",
                "Supervision within 4 weeks for 95% of children",
            ),
            (
                "Introduce a career pathway and progression framework",
                "Senior practitioner and consultant social worker roles.",
                "Staff survey: 65% see a career here",
            ),
            (
                "Improve induction for all new starters",
                "Two-week induction with shadowing.",
                "Every new starter completes induction in their first month",
            ),
            (
                "Hold practice weeks with senior leaders observing practice",
                "Quarterly practice weeks.",
                "Four practice weeks a year with learning shared",
            ),
        ],
    ),
    (
        "6",
        "Quality assurance, audit and performance",
        "qa.lead",
        "Head of Quality Assurance",
        ["R7"],
        [
            (
                "Introduce a monthly case audit programme with moderation",
                "Themed audits with practitioner involvement.",
                "Audit programme completed monthly; 20% moderated",
            ),
            (
                "Build a performance scorecard for managers",
                "Weekly team-level data from the case system.",
                "Scorecard used at every performance clinic",
            ),
            (
                "Capture children's and families' feedback after every audit",
                "Feedback calls by the audit team.",
                "Feedback gathered in 60% of audits",
            ),
            (
                "Establish a learning and improvement framework",
                "Learning from audits, complaints and reviews fed into training.",
                "Quarterly learning report to the improvement board",
            ),
            (
                "Improve data quality on the case system",
                "Data cleansing and guidance.",
                "Data quality errors below 2% in monthly checks",
            ),
            (
                "Report audit findings to the improvement board each quarter",
                "Themed audit reports with action plans.",
                "",
            ),
            ("Train managers to use performance data in supervision", "Workshops for team managers.", ""),
            (
                "Review the independent reviewing officer and conference chair challenge",
                "Escalation process and tracker.",
                "Escalations resolved within 20 working days",
            ),
        ],
    ),
]

LOCALITIES = [
    "North",
    "South",
    "East",
    "West",
    "Central",
    "Riverside",
    "Hillfield",
    "Marsh End",
    "Old Town",
    "Newbridge",
    "Eastgate",
    "Westmoor",
    "Ashby",
    "Brookside",
    "Castleton",
    "Dunmore",
    "Elmwood",
    "Fairfield",
    "Greenhill",
]

ON_TRACK = [
    "Work is on plan. {activity}",
    "Progress continues as planned. {activity}",
    "{activity} Next steps agreed at the theme meeting.",
]
AT_RISK = [
    "Progress has slowed. {activity} Capacity in the team is the main risk; mitigation agreed with the head of service.",
    "At risk of missing the target date. {activity} Dependent on partner agreement, which is still outstanding.",
]
OFF_TRACK = [
    "Behind plan. {activity} Recruitment to key posts has not succeeded and the work is paused in two teams.",
    "Off track: the milestone for this month was missed. {activity} A recovery plan will go to the improvement board.",
]
ACTIVITIES = [
    "Workshops held with three teams.",
    "An audit of 20 cases was completed and findings shared at the practice forum.",
    "Guidance was revised with partners and published on the procedures site.",
    "The task and finish group met twice and agreed the next milestones.",
    "Training delivered to 45 staff, with a further session booked.",
    "Performance reviewed weekly at the clinic; exceptions followed up by team managers.",
    "A dip sample of 15 records was completed by the service manager.",
    "Partners signed off the revised process at the safeguarding partnership.",
]
IMPACT = [
    "Audit: 58% of sampled cases rated good or better, up from 41% in March.",
    "Families told us they understood their plan in 10 of 12 feedback calls.",
    "Timeliness improved from 71% to 84% over the quarter.",
    "Re-referrals within 12 months fell to 21% from 26%.",
    "Young people in the children in care council said reviews now feel like their meetings.",
    "Fewer cases waiting for allocation: 12 this month against 47 in January.",
]
COMPLETE = "Complete. {activity} Evidence of completion was agreed by the theme lead and reported to the board."
REASONS = [
    ("Recruitment to the project lead post was delayed", "Improvement board"),
    ("Partner agencies asked for more time to consult their staff", "Director of Children's Services"),
    ("The case system change needed more testing", "Improvement board"),
    ("Ofsted monitoring visit feedback changed the priority of this work", "DfE improvement adviser and DCS"),
]

# How each action ends up; repeated down the plan so every theme has a mix.
PROFILES = [
    "complete",
    "green",
    "amber",
    "green",
    "red",
    "complete",
    "slipped_green",
    "grey",
    "green",
    "complete",
    "red_overdue",
    "amber",
    "reopened",
    "green",
    "slipped_amber",
    "complete",
]


def _created(day, rng):
    return timezone.make_aware(datetime.combine(day, time(9 + rng.randrange(8), rng.randrange(60))))


def _monthly_dates(start, end, rng):
    """One date a month, on a working-ish day, from start to end inclusive."""
    dates = []
    year, month = start.year, start.month
    while True:
        day = date(year, month, min(28, 8 + rng.randrange(18)))
        if day > end:
            break
        if day >= start:
            dates.append(day)
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return dates


def _inspections(ctx):
    today = ctx.today
    ilacs_start = today - timedelta(days=735)
    focused = Inspection.objects.create(
        kind=Inspection.Kind.FOCUSED_VISIT,
        title="Focused visit: the front door",
        start_date=ilacs_start - timedelta(days=620),
        end_date=ilacs_start - timedelta(days=619),
        published_date=ilacs_start - timedelta(days=585),
        lead_inspector="Karen Doyle HMI",
        has_priority_actions=True,
        findings_summary="Delays in the multi-agency safeguarding hub meant some children were left at risk. Two areas for priority action.",
    )
    ilacs = Inspection.objects.create(
        kind=Inspection.Kind.ILACS_STANDARD,
        title="Inspection of children's social care services",
        start_date=ilacs_start,
        end_date=ilacs_start + timedelta(days=11),
        published_date=ilacs_start + timedelta(days=45),
        lead_inspector="Jane Whitfield HMI",
        overall_judgement=Judgement.INADEQUATE,
        leaders_judgement=Judgement.INADEQUATE,
        help_and_protection_judgement=Judgement.INADEQUATE,
        in_care_judgement=Judgement.REQUIRES_IMPROVEMENT,
        care_leavers_judgement=Judgement.REQUIRES_IMPROVEMENT,
        findings_summary=(
            "Services for children in Riverford have deteriorated since the last inspection. Too many children "
            "wait too long for help at the front door, and some are left in situations of risk for too long. "
            "Leaders did not know the extent of the weaknesses. Children in care are mostly well supported, "
            "but too many live far from home."
        ),
        report_url="https://reports.ofsted.gov.uk/example/riverford-ilacs",
    )
    visits = []
    for sequence, (days_after, focus, areas, findings) in enumerate(
        [
            (
                200,
                "The front door",
                "Contacts and referrals\nStrategy meetings\nManagement oversight",
                "Leaders have made a credible start. Decisions at the front door are now timely, but strategy meetings are still too often held without police.",
            ),
            (
                360,
                "Children in need and those subject to a child protection plan",
                "Quality of plans\nVisits to children\nSupervision",
                "Improvements continue, but the pace of change is not swift enough. Plans are clearer; supervision is still inconsistent.",
            ),
            (
                550,
                "Care leavers",
                "Pathway plans\nSuitable accommodation\nEducation, employment and training",
                "Personal advisers know young people well. Pathway plans are improving; too few care leavers are in education, employment or training.",
            ),
        ],
        start=1,
    ):
        start = ilacs_start + timedelta(days=days_after)
        visits.append(
            Inspection(
                kind=Inspection.Kind.MONITORING_VISIT,
                title=f"Monitoring visit {sequence}",
                start_date=start,
                end_date=start + timedelta(days=1),
                published_date=start + timedelta(days=30),
                lead_inspector="Jane Whitfield HMI",
                sequence=sequence,
                focus=focus,
                areas_reviewed=areas,
                headline_findings=findings,
                report_url=f"https://reports.ofsted.gov.uk/example/riverford-monitoring-visit-{sequence}",
                progress_label="",
            )
        )
    visits = [v for v in visits if v.start_date <= today]
    # The next visit, announced but not held: what "due before the next visit" counts to.
    visits.append(
        Inspection(
            kind=Inspection.Kind.MONITORING_VISIT,
            title=f"Monitoring visit {len(visits) + 1}",
            start_date=today + timedelta(days=45),
            end_date=today + timedelta(days=46),
            lead_inspector="Jane Whitfield HMI",
            sequence=len(visits) + 1,
            focus="Children in care and permanence",
            areas_reviewed="Stability of homes\nPermanence planning",
            is_planned=True,
        )
    )
    Inspection.objects.bulk_create(visits)
    InterventionEvent.objects.bulk_create(
        [
            InterventionEvent(
                kind=InterventionEvent.Kind.IMPROVEMENT_NOTICE,
                date=focused.published_date + timedelta(days=40),
                person="Department for Education",
                description="A non-statutory improvement notice after the focused visit found areas for priority action.",
            ),
            InterventionEvent(
                kind=InterventionEvent.Kind.STATUTORY_DIRECTION,
                date=ilacs.published_date + timedelta(days=21),
                person="Secretary of State for Education",
                description="Statutory direction under section 497A of the Education Act 1996, after the inadequate judgement.",
                document_url="https://www.gov.uk/government/publications/example-riverford-direction",
            ),
            InterventionEvent(
                kind=InterventionEvent.Kind.ADVISER_APPOINTED,
                date=ilacs.published_date + timedelta(days=28),
                person="Martin Crowe",
                description="DfE improvement adviser appointed to chair the improvement board and report every six months.",
            ),
        ]
    )
    return [focused, ilacs, *visits]


# Each visit's findings in the letter's words, and the recommendations they bear on ("" = none: a gap).
VISIT_FINDINGS = {
    1: [
        ("strength", "Decisions on contacts and referrals are now made within one working day.", ["R1"]),
        ("improvement", "Strategy meetings are too often held without the police.", ["R1"]),
        ("improvement", "Managers do not always record the reasons for their decisions.", ["R3"]),
    ],
    2: [
        ("strength", "Plans for children in need are clearer and more often written with families.", ["R2"]),
        ("improvement", "Supervision is still inconsistent and rarely reflective.", ["R3"]),
        ("improvement", "Too few children are seen alone on visits.", []),
    ],
    3: [
        ("strength", "Personal advisers know young people well.", ["R5"]),
        ("improvement", "Too few care leavers are in education, employment or training.", ["R5"]),
        ("priority", "Some 16 and 17-year-olds who present as homeless wait too long for an assessment.", ["R6"]),
    ],
}


def _visit_findings(inspections, recommendations):
    for visit in inspections:
        if visit.kind != Inspection.Kind.MONITORING_VISIT or visit.is_planned:
            continue
        refs_seen = set()
        for order, (kind, text, refs) in enumerate(VISIT_FINDINGS.get(visit.sequence, []), start=1):
            finding = VisitFinding.objects.create(inspection=visit, kind=kind, text=text, order=order)
            finding.recommendations.set([recommendations[ref] for ref in refs if ref in recommendations])
            refs_seen.update(refs)
        visit.focus_recommendations.set([recommendations[ref] for ref in sorted(refs_seen) if ref in recommendations])


def _recommendations(ilacs):
    return {
        ref: rec
        for ref, rec in zip(
            [r[0] for r in RECOMMENDATIONS],
            Recommendation.objects.bulk_create(
                [
                    Recommendation(inspection=ilacs, reference=ref, text=text, order=i)
                    for i, (ref, text) in enumerate(RECOMMENDATIONS, start=1)
                ]
            ),
            strict=False,
        )
    }


def build(ctx):
    rng = ctx.rng
    today = ctx.today
    inspections = _inspections(ctx)
    ilacs = inspections[1]
    recommendations = _recommendations(ilacs)
    _visit_findings(inspections, recommendations)
    plan_start = ilacs.published_date + timedelta(days=60)

    old = Plan.objects.create(
        title="Children's Services Improvement Plan 2025-27",
        version=f"v1 ({date_words(plan_start, 'month')})",
        status=Plan.Status.CLOSED,
        start_date=plan_start,
        end_date=plan_start + timedelta(days=240),
        submitted_date=plan_start,
        summary="The first plan, submitted to Ofsted and the DfE after the inspection.",
    )
    refreshed = plan_start + timedelta(days=240)
    plan = Plan.objects.create(
        title="Children's Services Improvement Plan 2025-27",
        version=f"v3 ({date_words(refreshed, 'month')})",
        status=Plan.Status.ACTIVE,
        start_date=refreshed,
        end_date=date(plan_start.year + 2, 3, 31),
        submitted_date=refreshed,
        summary="Refreshed after the second monitoring visit. Actions carried over keep their history.",
        previous_version=old,
    )
    old_themes = Theme.objects.bulk_create(
        [
            Theme(plan=old, reference=ref, title=title, lead=lead_title, order=i)
            for i, (ref, title, _, lead_title, _, _) in enumerate(THEMES, 1)
        ]
    )
    old_actions = Action.objects.bulk_create(
        [
            Action(
                theme=theme,
                reference=f"{theme.reference}.{n}",
                title=spec[0],
                order=n,
                added_on=plan_start,
                start_date=plan_start,
                original_target_date=plan_start + timedelta(days=365),
                target_date=plan_start + timedelta(days=365),
                lead_job_title=theme.lead,
                version=1,
            )
            for theme, (_, _, _, _, _, specs) in zip(old_themes, THEMES, strict=False)
            for n, spec in enumerate(specs[:4], 1)
        ]
    )
    ActionUpdate.objects.bulk_create(
        [
            ActionUpdate(
                action=action,
                date=refreshed,
                author_name="Improvement programme team",
                created_at=_created(refreshed, rng),
                status=ActionStatus.CLOSED,
                narrative="Closed in this version: carried forward into the refreshed plan (v3).",
                computed_rag=Rag.BLUE,
            )
            for action in old_actions
        ]
    )
    themes = Theme.objects.bulk_create(
        [
            Theme(
                plan=plan,
                reference=ref,
                title=title,
                lead=lead_title,
                order=i,
                description=f"Answers recommendations {', '.join(recs)} of the inspection.",
            )
            for i, (ref, title, _, lead_title, recs, _) in enumerate(THEMES, 1)
        ]
    )

    specs = []  # (theme index, action number, title, detail, measure, lead, recs)
    for copy in range(ctx.scale):
        for t_index, (_, _, lead, _, recs, actions) in enumerate(THEMES):
            for a_index, (title, detail, measure) in enumerate(actions):
                number = copy * len(actions) + a_index + 1
                if copy:
                    title = f"{title} ({LOCALITIES[(copy - 1) % len(LOCALITIES)]} locality)"
                specs.append((t_index, number, title, detail, measure, lead, recs))

    officers = ["officer", "hos.cin", "hos.cla", "pm.workforce", "qa.lead", "dcs"]
    actions, updates, revisions, rec_links, delegate_links = [], [], [], [], []
    for i, (t_index, number, title, detail, measure, lead_name, recs) in enumerate(specs):
        profile = PROFILES[i % len(PROFILES)]
        # Most actions are led by the theme lead; some by a colleague, so leads cross themes.
        if i % 7 == 3:
            lead_name = officers[(t_index + 1) % len(officers)]
        lead = ctx.users[lead_name]
        added_on = plan_start if number % 8 != 0 or profile == "grey" else refreshed
        if profile == "grey":
            start = today + timedelta(days=20 + rng.randrange(60))
            original = start + timedelta(days=180)
        else:
            start = added_on + timedelta(days=rng.randrange(20))
            original = {
                "complete": start + timedelta(days=200 + rng.randrange(150)),
                "red_overdue": today - timedelta(days=40 + rng.randrange(60)),
                "reopened": start + timedelta(days=260),
            }.get(profile, today + timedelta(days=60 + rng.randrange(200)))
        action = Action(
            theme=themes[t_index],
            reference=f"{themes[t_index].reference}.{number}",
            title=title,
            detail=detail,
            lead_officer=lead,
            lead_job_title=getattr(lead, "job_title", ""),
            partner_agency="Riverford Police and the integrated care board" if i % 5 == 1 else "",
            start_date=start,
            original_target_date=original,
            target_date=original,
            success_measure=measure,
            order=number,
            added_on=added_on,
        )
        action.demo_profile = profile
        actions.append(action)
        for rec in recs:
            if rec == "R6":
                continue  # deliberately left without an action: a gap the pages must show
            if rec == "R7" and measure:
                rec = "R3"  # R7 keeps only actions with no success measure: the other kind of gap
            rec_links.append((i, rec))
        if i % 9 == 2 and lead_name != "officer":
            delegate_links.append((i, "officer" if t_index in (2, 4) else "hos.cin"))

    Action.objects.bulk_create(actions)

    for i, action in enumerate(actions):
        _history(
            ctx, action, updates, revisions, officer_stale=(action.lead_officer.username == "officer" and i % 3 == 0)
        )

    ActionUpdate.objects.bulk_create(updates, batch_size=2000)
    TargetDateRevision.objects.bulk_create(revisions, batch_size=2000)
    Action.objects.bulk_update(actions, ["version"], batch_size=500)
    # Carried actions are linked to the old version's; the current state and its history come from the log
    # just written, by the same function a form or an import uses.
    link_new_actions(old_actions + actions)
    Through = Action.recommendations.through
    Through.objects.bulk_create(
        [Through(action_id=actions[i].pk, recommendation_id=recommendations[ref].pk) for i, ref in rec_links],
        batch_size=2000,
    )
    Delegates = Action.delegates.through
    Delegates.objects.bulk_create(
        [Delegates(action_id=actions[i].pk, user_id=ctx.users[name].pk) for i, name in delegate_links], batch_size=2000
    )

    ctx.objects["plan"] = plan
    ctx.objects["plans"] = [plan, old]
    ctx.objects["themes"] = themes
    ctx.objects["actions"] = actions
    ctx.objects["inspections"] = inspections
    ctx.objects["recommendations"] = list(recommendations.values())


def _history(ctx, action, updates, revisions, *, officer_stale):
    """Monthly updates from the start date, shaped by the action's profile, kept in step on the action."""
    rng = ctx.rng
    today = ctx.today
    profile = action.demo_profile
    if profile == "grey" or action.start_date > today:
        return
    last_day = today - timedelta(days=50 + rng.randrange(30) if officer_stale else rng.randrange(25))
    dates = _monthly_dates(action.start_date + timedelta(days=7), last_day, rng)
    complete_at = None
    if profile == "complete":
        complete_at = min(len(dates) - 1, max(3, len(dates) - 2 - rng.randrange(6)))
        dates = dates[: complete_at + 1]
    target = action.original_target_date
    revision_at = {"slipped_green": len(dates) // 2, "slipped_amber": len(dates) - 3}.get(profile)
    for n, day in enumerate(dates):
        remaining = len(dates) - n
        status, progress = ActionStatus.IN_PROGRESS, Progress.ON_TRACK
        if profile == "amber" and remaining <= 3 or profile == "slipped_amber" and remaining <= 2:
            progress = Progress.AT_RISK
        elif profile == "red" and remaining <= 3:
            progress = Progress.OFF_TRACK if remaining <= 2 else Progress.AT_RISK
        elif profile == "green" and n == len(dates) // 3:
            progress = Progress.AT_RISK  # a wobble that was recovered
        elif profile == "reopened" and n == len(dates) - 6:
            status, progress = ActionStatus.COMPLETE, ""
        elif profile == "reopened" and n > len(dates) - 6:
            progress = Progress.AT_RISK if remaining > 1 else Progress.ON_TRACK
        if complete_at is not None and n == complete_at:
            status, progress = ActionStatus.COMPLETE, ""
        if revision_at is not None and n == revision_at:
            reason, agreed = REASONS[rng.randrange(len(REASONS))]
            new_target = max(target, day) + timedelta(days=90 + rng.randrange(90))
            revisions.append(
                TargetDateRevision(
                    action=action,
                    previous_date=target,
                    new_date=new_target,
                    reason=reason,
                    agreed_by=agreed,
                    effective_on=day,
                    recorded_by=action.lead_officer,
                    recorded_at=_created(day, rng),
                )
            )
            target = new_target
        activity = ACTIVITIES[rng.randrange(len(ACTIVITIES))]
        computed = compute_action_rag(status=status, progress=progress, target_date=target, as_at=day)
        if status == ActionStatus.COMPLETE:
            narrative = COMPLETE.format(activity=activity)
        else:
            # Written to match the RAG the reader sees: a late action never reads "work is on plan".
            pool = {Rag.RED: OFF_TRACK, Rag.AMBER: AT_RISK}.get(computed, ON_TRACK)
            narrative = pool[rng.randrange(len(pool))].format(activity=activity)
        override, reason = "", ""
        if profile == "green" and remaining == 1 and action.order % 4 == 1:
            override, reason = Rag.AMBER, "Partners have not yet confirmed their funding for next year"
        updates.append(
            ActionUpdate(
                action=action,
                date=day,
                author=action.lead_officer,
                author_name=person_name(action.lead_officer),
                created_at=_created(day, rng),
                status=status,
                progress=progress,
                narrative=narrative,
                evidence_of_impact=IMPACT[rng.randrange(len(IMPACT))]
                if n % 3 == 2 or status == ActionStatus.COMPLETE
                else "",
                computed_rag=computed,
                rag_override=override,
                rag_override_reason=reason,
            )
        )
    action.version = len(dates)
