"""Demo KPIs for Riverford Borough Council: children's social care indicators a councillor can read.

Figures are fictional but plausible; England figures follow the published national statistics
in shared/domain.md section 5. Each indicator's final value is set on purpose, so the scorecard
has reds, ambers, greens and context measures with no RAG.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from indicators import periods
from indicators.models import Benchmark, Indicator, Measurement, Target
from indicators.queries import target_in_force
from indicators.rules import kpi_rag
from indicators.services import save_measurements

LIQUIDLOGIC_NOTE = "Case system changed to Liquidlogic: figures before June not comparable"


@dataclass
class Spec:
    code: str
    title: str
    unit: str
    dp: int
    polarity: str
    period_type: str
    frequency: str
    source: str
    owner: str
    start: float
    end: float
    noise: float
    what: str
    why: str
    how: str
    keywords: tuple
    targets: list = field(default_factory=list)  # [(value, tolerance_kind, tolerance, note)], moving over the plan
    england: list = field(default_factory=list)  # [(financial year, value or suppression code)]
    neighbours: list = field(default_factory=list)
    red_commentary: str = ""
    not_yet_available: bool = False
    suppressed_month: int | None = None  # index from the end of a value suppressed for small numbers
    quality_note: bool = False


SPECS = [
    Spec(
        "CIN-REF-M",
        "Referrals to children's social care",
        "number",
        0,
        "none",
        "in_month",
        "monthly",
        "Local case system",
        "officer",
        265,
        240,
        25,
        "How many times in the month someone (a school, the police, a doctor, a family) asked children's social care to help a child who was not already open to us.",
        "This is demand, not performance: it tells the board how busy the front door is. A sudden rise or fall is a question to ask, not good or bad in itself.",
        "Count of referrals received in the month.",
        ("front door", "help and protection", "referral"),
        england=[(2023, "x"), (2024, "x")],
    ),
    Spec(
        "CIN-REREF-12M",
        "Re-referrals within 12 months",
        "percentage",
        1,
        "lower",
        "rolling_12m",
        "monthly",
        "CIN census",
        "officer",
        27.5,
        25.8,
        1.2,
        "Of all referrals in the last 12 months, the share that were for a child already referred in the 12 months before.",
        "A high rate can mean children's needs were not met the first time and families had to come back. Some re-referral is normal; zero would be suspicious.",
        "Referrals in the last 12 months within 12 months of a previous referral, divided by all referrals in the last 12 months, times 100.",
        ("front door", "help and protection", "referral", "decision"),
        targets=[(24, "absolute", 3, ""), (22, "absolute", 3, ""), (20, "absolute", 3, "")],
        england=[(2023, 21.4), (2024, 22.0)],
        neighbours=[(2023, 20.8), (2024, 21.3)],
        red_commentary="Still well above England. An audit of 40 re-referrals found step-downs to early help without a plan agreed with the family; the step-down protocol was rewritten in October.",
        quality_note=True,
    ),
    Spec(
        "CIN-ASSESS-45",
        "Assessments completed within 45 working days",
        "percentage",
        1,
        "higher",
        "in_month",
        "monthly",
        "CIN census",
        "officer",
        71.0,
        87.3,
        3.0,
        "Of the assessments finished this month, the share finished within 45 working days of the referral, the longest the law allows.",
        "Children and families wait less to know what help they will get. Ofsted found assessments were often late.",
        "Assessments authorised within 45 working days, divided by all assessments authorised in the month, times 100.",
        ("assessment", "help and protection", "front door"),
        targets=[(80, "absolute", 5, ""), (85, "absolute", 5, ""), (90, "absolute", 5, "")],
        england=[(2023, 82.1), (2024, 85.7)],
        neighbours=[(2023, 83.0), (2024, 84.6)],
    ),
    Spec(
        "CIN-ASSESS-DAYS",
        "Average days to complete an assessment",
        "days",
        0,
        "lower",
        "in_month",
        "monthly",
        "Local case system",
        "officer",
        44,
        36,
        3,
        "The average number of working days between a referral and its assessment being signed off, for assessments finished this month.",
        "Shows how long families wait on average, not just whether the 45-day limit was met.",
        "Sum of working days for each assessment finished in the month, divided by the number finished.",
        ("assessment", "help and protection"),
        targets=[(40, "relative", 10, ""), (35, "relative", 10, "")],
        england=[(2024, 33)],
    ),
    Spec(
        "CP-ICPC-15",
        "Initial child protection conferences within 15 working days",
        "percentage",
        1,
        "higher",
        "in_month",
        "monthly",
        "CIN census",
        "hos.cin",
        68,
        72,
        5,
        "Of the first child protection conferences held this month, the share held within 15 working days of the strategy discussion that started the enquiry.",
        "A conference decides whether a child needs a protection plan. Delay leaves a child at risk without an agreed plan.",
        "Conferences within 15 working days of the strategy discussion, divided by all initial conferences in the month, times 100.",
        ("child protection", "help and protection", "conference"),
        targets=[(75, "absolute", 5, ""), (80, "absolute", 5, ""), (85, "absolute", 5, "")],
        england=[(2023, 78.0), (2024, 78.0)],
        neighbours=[(2023, 80.1), (2024, "c")],
        red_commentary="Two conference chairs left in the summer and cover was slow to arrive. Two agency chairs started in October; November is expected to recover to about 80%.",
    ),
    Spec(
        "CP-S47-RATE",
        "Child protection enquiries (section 47) per 10,000 children",
        "rate_per_10k",
        1,
        "none",
        "rolling_12m",
        "monthly",
        "CIN census",
        "hos.cin",
        178,
        199,
        4,
        "How many child protection enquiries were started in the last 12 months for every 10,000 children living in Riverford.",
        "Context for the board: how often the council and police need to investigate whether a child is being harmed.",
        "Section 47 enquiries started in the last 12 months, divided by the population aged 0 to 17, times 10,000.",
        ("child protection", "help and protection"),
        england=[(2023, 191.6), (2024, 193.0)],
        neighbours=[(2023, 185.2), (2024, 190.4)],
    ),
    Spec(
        "CIN-RATE",
        "Children in need per 10,000 children",
        "rate_per_10k",
        1,
        "none",
        "snapshot",
        "monthly",
        "CIN census",
        "hos.cin",
        352,
        341,
        4,
        "How many children were open to children's social care as children in need at the end of the month, for every 10,000 children in Riverford.",
        "Context: the size of the group the service is working with.",
        "Children in need at the end of the month, divided by the population aged 0 to 17, times 10,000.",
        ("help and protection",),
        england=[(2023, 342.7), (2024, 332.9)],
        neighbours=[(2023, 350.3), (2024, 345.8)],
    ),
    Spec(
        "CP-RATE",
        "Children on a child protection plan per 10,000 children",
        "rate_per_10k",
        1,
        "close",
        "snapshot",
        "monthly",
        "CIN census",
        "hos.cin",
        53,
        47.5,
        1.5,
        "How many children had a child protection plan at the end of the month, for every 10,000 children in Riverford.",
        "Too many plans can mean families are drawn into child protection who need other help; too few can mean risk is missed. The aim is to stay close to similar councils.",
        "Children on a plan at the end of the month, divided by the population aged 0 to 17, times 10,000.",
        ("child protection", "help and protection"),
        targets=[(48, "relative", 10, ""), (45, "relative", 10, "")],
        england=[(2023, 41.6), (2024, 42.8)],
        neighbours=[(2023, 44.0), (2024, 45.1)],
    ),
    Spec(
        "CP-REPEAT",
        "Child protection plans that are a second or later plan",
        "percentage",
        1,
        "lower",
        "rolling_12m",
        "monthly",
        "CIN census",
        "hos.cin",
        24,
        17.5,
        1.5,
        "Of the children who started a child protection plan in the last 12 months, the share who had been on a plan before.",
        "A repeat plan can mean the first plan ended before the child was really safe.",
        "Children starting a plan in the last 12 months who had a previous plan, divided by all children starting a plan, times 100.",
        ("child protection", "help and protection"),
        targets=[(22, "relative", 10, ""), (18, "relative", 10, "")],
        england=[(2023, 23.3), (2024, 23.0)],
        neighbours=[(2023, 22.1), (2024, "c")],
        suppressed_month=7,
    ),
    Spec(
        "CP-2YRS",
        "Child protection plans lasting two years or more",
        "percentage",
        1,
        "lower",
        "rolling_12m",
        "quarterly",
        "CIN census",
        "hos.cin",
        5.6,
        3.2,
        0.4,
        "Of the child protection plans that ended in the last 12 months, the share that had lasted two years or more.",
        "A plan should make a child safe quickly. A long plan can mean drift: nothing changing for the child.",
        "Plans ending in the last 12 months that lasted 2 years or more, divided by all plans ending, times 100.",
        ("child protection", "drift", "help and protection"),
        targets=[(5, "absolute", 1, ""), (4, "absolute", 1, "")],
        england=[(2023, 4.0), (2024, 4.4)],
    ),
    Spec(
        "CP-VISITS-10D",
        "Child protection visits within 10 working days",
        "percentage",
        1,
        "higher",
        "in_month",
        "monthly",
        "Local case system",
        "hos.cin",
        79,
        83,
        3,
        "Of the children on a child protection plan this month, the share seen by their social worker within 10 working days of the previous visit (Riverford's own standard, stricter than the law).",
        "Regular visits are how social workers see whether a child is safe and whether the plan is working.",
        "Children on a plan visited within 10 working days, divided by all children on a plan, times 100.",
        ("child protection", "visit", "help and protection"),
        targets=[(85, "absolute", 5, ""), (90, "absolute", 5, ""), (95, "absolute", 5, "")],
        red_commentary="Visits fell behind in the Riverford South team, which has three vacancies. Managers now check overdue visits weekly; the team is at 91% for the first half of November.",
    ),
    Spec(
        "CLA-RATE",
        "Children looked after per 10,000 children",
        "rate_per_10k",
        1,
        "none",
        "snapshot",
        "monthly",
        "SSDA903",
        "hos.cla",
        74,
        78,
        1,
        "How many children were in the council's care at the end of the month, for every 10,000 children in Riverford.",
        "Context: the number of children the council is corporate parent to, and the demand on foster carers and placements.",
        "Children looked after at the end of the month, divided by the population aged 0 to 17, times 10,000.",
        ("children in care", "care"),
        england=[(2023, 71.0), (2024, 70.0)],
        neighbours=[(2023, 76.2), (2024, 77.0)],
    ),
    Spec(
        "CLA-STAB-SHORT",
        "Children in care with three or more placements in the year",
        "percentage",
        1,
        "lower",
        "rolling_12m",
        "monthly",
        "SSDA903",
        "hos.cla",
        11.5,
        9.5,
        0.4,
        "Of the children in care at the end of the month, the share who had lived in three or more different homes in the last 12 months.",
        "Every move means a new home, often a new school and new people. Stable homes help children feel safe and do well.",
        "Children in care with 3 or more placements in the last 12 months, divided by all children in care, times 100.",
        ("children in care", "placement", "sufficiency"),
        targets=[(10, "absolute", 1, ""), (9, "absolute", 1, "")],
        england=[(2023, 10.0), (2024, 10.0)],
        neighbours=[(2023, 10.4), (2024, 9.8)],
    ),
    Spec(
        "CLA-STAB-LONG",
        "Long-term placement stability",
        "percentage",
        1,
        "higher",
        "snapshot",
        "quarterly",
        "SSDA903",
        "hos.cla",
        64,
        71,
        1.5,
        "Of children under 16 who have been in care for two and a half years or more, the share who have lived with the same carers for at least two years.",
        "Children who stay with the same family for years do better at school and in later life.",
        "Children under 16 in care 2.5 years or more living in the same placement for 2 years or more, divided by all such children, times 100.",
        ("children in care", "placement", "permanence"),
        targets=[(65, "absolute", 3, ""), (68, "absolute", 3, ""), (70, "absolute", 3, "")],
        england=[(2023, 68.0), (2024, 69.0)],
        neighbours=[(2023, 67.2), (2024, 68.5)],
    ),
    Spec(
        "CLA-20MILES",
        "Children in care living more than 20 miles from home",
        "percentage",
        1,
        "lower",
        "snapshot",
        "monthly",
        "SSDA903",
        "hos.cla",
        17,
        19.5,
        0.6,
        "Of the children in care, the share living more than 20 miles from the home they were taken into care from.",
        "Living far away can mean a new school, losing friends and fewer visits from family and social workers.",
        "Children in care placed more than 20 miles from home, divided by all children in care, times 100.",
        ("children in care", "placement", "sufficiency"),
        targets=[(18, "absolute", 2, ""), (15, "absolute", 2, "")],
        red_commentary="Too few local foster carers for teenagers. The sufficiency strategy aims for 20 new in-house carers by March; 7 have been approved so far.",
    ),
    Spec(
        "CLA-REVIEWS",
        "Reviews of children in care held on time",
        "percentage",
        1,
        "higher",
        "in_month",
        "monthly",
        "Local case system (IRO service)",
        "hos.cla",
        88,
        96,
        2,
        "Of the reviews of children in care due this month, the share held on time (the first within 20 working days, then at 3 months, then every 6 months).",
        "A review, chaired by an independent reviewing officer, checks that the child's care plan is working and that the child's views are heard.",
        "Reviews held by their due date, divided by all reviews due in the month, times 100.",
        ("children in care", "review", "care plan"),
        targets=[(90, "absolute", 5, ""), (95, "absolute", 5, "")],
        not_yet_available=True,
    ),
    Spec(
        "CLA-IHA-20D",
        "Initial health assessments within 20 working days",
        "percentage",
        1,
        "higher",
        "in_month",
        "monthly",
        "Health provider (NHS Riverford)",
        "hos.cla",
        48,
        66,
        6,
        "Of the children who came into care, the share who had their first health assessment by a doctor within 20 working days.",
        "Children coming into care often have health needs that have been missed. A prompt assessment gets them treated.",
        "Children entering care with a health assessment within 20 working days, divided by all children entering care, times 100.",
        ("children in care", "health"),
        targets=[(70, "absolute", 10, ""), (80, "absolute", 10, "")],
        not_yet_available=True,
    ),
    Spec(
        "CLA-HEALTH",
        "Children in care with an up-to-date health assessment",
        "percentage",
        1,
        "higher",
        "snapshot",
        "quarterly",
        "SSDA903",
        "hos.cla",
        86,
        91,
        1,
        "Of children in care for a year or more, the share whose yearly health assessment (six-monthly for under-fives) is up to date.",
        "A regular check makes sure health needs, including emotional health, are noticed and met.",
        "Children in care 12 months or more with an up-to-date health assessment, divided by all such children, times 100.",
        ("children in care", "health"),
        targets=[(90, "absolute", 5, "")],
        england=[(2023, "x"), (2024, "x")],
        neighbours=[(2024, 90.2)],
    ),
    Spec(
        "CLA-PEP",
        "Personal education plans up to date",
        "percentage",
        1,
        "higher",
        "snapshot",
        "monthly",
        "Virtual School",
        "hos.cla",
        84,
        93,
        2,
        "Of school-age children in care, the share with a personal education plan reviewed this term.",
        "The plan sets out how the school and the Virtual School will help the child learn and catch up.",
        "School-age children in care with a plan reviewed this term, divided by all school-age children in care, times 100.",
        ("children in care", "education", "virtual school"),
        targets=[(90, "absolute", 5, ""), (95, "absolute", 5, "")],
    ),
    Spec(
        "CL-INTOUCH",
        "Care leavers aged 19 to 21 we are in touch with",
        "percentage",
        1,
        "higher",
        "snapshot",
        "quarterly",
        "SSDA903",
        "hos.cla",
        88,
        94,
        1,
        "Of young people aged 19 to 21 who left the council's care, the share the council was in touch with around their birthday.",
        "The council stays their corporate parent. Keeping in touch is the first step to helping with a home, work and money.",
        "Care leavers aged 19 to 21 in touch, divided by all care leavers aged 19 to 21, times 100.",
        ("care leavers", "leaving care"),
        targets=[(92, "absolute", 3, ""), (97, "absolute", 3, "")],
        england=[(2023, 91.0), (2024, 92.0)],
        neighbours=[(2023, 93.0), (2024, 93.4)],
    ),
    Spec(
        "CL-EET",
        "Care leavers aged 19 to 21 in education, employment or training",
        "percentage",
        1,
        "higher",
        "snapshot",
        "quarterly",
        "SSDA903",
        "hos.cla",
        49,
        58,
        2,
        "Of care leavers aged 19 to 21, the share in education, work or training.",
        "Being in work or learning gives young people money, friends and a future; care leavers are far more likely than others to be out of both.",
        "Care leavers aged 19 to 21 in education, employment or training, divided by all care leavers aged 19 to 21, times 100.",
        ("care leavers", "leaving care"),
        targets=[(50, "absolute", 5, ""), (55, "absolute", 5, "")],
        england=[(2023, 55.0), (2024, 56.0)],
        neighbours=[(2023, 54.0), (2024, "u")],
    ),
    Spec(
        "CL-ACCOM",
        "Care leavers aged 19 to 21 in suitable accommodation",
        "percentage",
        1,
        "higher",
        "snapshot",
        "quarterly",
        "SSDA903",
        "hos.cla",
        82,
        86,
        1.5,
        "Of care leavers aged 19 to 21, the share living somewhere judged suitable (not, for example, bed and breakfast or sofa-surfing).",
        "A safe, settled home is the foundation for everything else in a young adult's life.",
        "Care leavers aged 19 to 21 in suitable accommodation, divided by all care leavers aged 19 to 21, times 100.",
        ("care leavers", "leaving care", "accommodation"),
        targets=[(88, "absolute", 5, ""), (90, "absolute", 5, "")],
        england=[(2023, 88.0), (2024, 88.0)],
        neighbours=[(2023, 89.0), (2024, 88.5)],
    ),
    Spec(
        "WF-CASELOAD",
        "Average caseload of a children's social worker",
        "number",
        1,
        "lower",
        "snapshot",
        "monthly",
        "Local case system and HR",
        "pm.workforce",
        23.5,
        21.4,
        0.6,
        "The average number of children each case-holding social worker is responsible for at the end of the month.",
        "Social workers with too many children cannot get to know each child, visit often enough or write good plans.",
        "Children allocated to case-holding social workers, divided by the full-time equivalent number of those social workers.",
        ("workforce", "caseload", "social worker"),
        targets=[(22, "relative", 10, ""), (20, "relative", 10, ""), (18, "relative", 10, "")],
        england=[(2023, 16.0), (2024, 15.8)],
        neighbours=[(2023, 17.1), (2024, 16.9)],
        red_commentary="Caseloads remain high in the assessment teams because of vacancies. Twelve newly qualified social workers start in January; caseloads are forecast to fall below 19 by March.",
    ),
    Spec(
        "WF-AGENCY",
        "Agency social workers",
        "percentage",
        1,
        "lower",
        "snapshot",
        "quarterly",
        "Children's social work workforce census",
        "pm.workforce",
        31,
        22,
        1,
        "Of the social work posts filled, the share filled by agency (temporary) social workers rather than the council's own staff.",
        "Agency workers come and go more often, so children have to retell their story to new social workers. They also cost more.",
        "Agency full-time equivalent social workers, divided by agency plus employed full-time equivalent, times 100.",
        ("workforce", "recruitment", "agency"),
        targets=[(25, "absolute", 3, ""), (20, "absolute", 3, ""), (15, "absolute", 3, "")],
        england=[(2023, 17.8), (2024, 16.1)],
        neighbours=[(2023, 19.5), (2024, 18.0)],
        red_commentary="The regional agency pay cap has helped, but the assessment teams still rely on agency staff. The recruitment campaign has made 9 permanent appointments since June.",
    ),
    Spec(
        "WF-VACANCY",
        "Social worker vacancy rate",
        "percentage",
        1,
        "lower",
        "snapshot",
        "quarterly",
        "Children's social work workforce census",
        "pm.workforce",
        24,
        16.5,
        1,
        "Of all social worker posts, the share with nobody in post.",
        "Vacant posts mean heavier caseloads for everyone else.",
        "Vacant full-time equivalent posts, divided by vacant plus filled, times 100.",
        ("workforce", "recruitment"),
        targets=[(20, "absolute", 3, ""), (15, "absolute", 3, "")],
        england=[(2023, 18.9), (2024, 17.0)],
        neighbours=[(2023, 20.2), (2024, 18.4)],
    ),
    Spec(
        "WF-TURNOVER",
        "Social worker turnover",
        "percentage",
        1,
        "lower",
        "rolling_12m",
        "quarterly",
        "Children's social work workforce census",
        "pm.workforce",
        19,
        14.2,
        0.7,
        "Of social workers employed by the council, the share who left in the last 12 months.",
        "Each leaver means children get a new social worker; stable teams build better relationships with families.",
        "Leavers in the last 12 months (full-time equivalent), divided by average workers in post, times 100.",
        ("workforce", "retention"),
        targets=[(17, "absolute", 2, ""), (15, "absolute", 2, "")],
        england=[(2023, 15.9), (2024, 13.8)],
        neighbours=[(2023, 16.4), (2024, 14.9)],
    ),
    Spec(
        "QA-AUDIT-GOOD",
        "Audited cases rated good or better",
        "percentage",
        1,
        "higher",
        "in_month",
        "monthly",
        "Local quality assurance audits",
        "qa.lead",
        31,
        64,
        5,
        "Of the case files audited this month by managers and the quality assurance team, the share rated good or outstanding.",
        "Audits look at the quality of work with a child, not just its timeliness: whether the child's voice is heard and their life is getting better.",
        "Audits graded good or outstanding, divided by all audits completed in the month, times 100.",
        ("quality", "audit", "practice"),
        targets=[(40, "absolute", 10, ""), (60, "absolute", 10, ""), (70, "absolute", 10, "")],
    ),
    Spec(
        "CSE-IDENT",
        "Children identified as at risk of sexual exploitation",
        "number",
        0,
        "higher",
        "in_month",
        "monthly",
        "Local case system (exploitation team)",
        "dcs",
        6,
        14,
        2,
        "How many children were newly identified this month as at risk of child sexual exploitation and referred to the exploitation team.",
        "Ofsted found that risk was being missed. More children identified means more children protected; the number is expected to rise while practice improves.",
        "Count of children with a new exploitation risk assessment started in the month.",
        ("exploitation", "missing", "help and protection"),
        targets=[
            (
                8,
                "relative",
                20,
                "A rise is expected on purpose: better identification of exploitation, not more exploitation.",
            ),
            (
                12,
                "relative",
                20,
                "A rise is expected on purpose: better identification of exploitation, not more exploitation.",
            ),
            (16, "relative", 20, "A rise is expected on purpose while training reaches every team."),
        ],
    ),
]


def _quantize(value: float, dp: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP)


def _series(spec, count, rng) -> list[Decimal]:
    values = []
    for index in range(count):
        share = index / (count - 1) if count > 1 else 1
        value = spec.start + (spec.end - spec.start) * share
        if index < count - 1:
            value += rng.gauss(0, spec.noise)
        if spec.unit == "percentage":
            value = min(max(value, 0), 100)
        values.append(_quantize(max(value, 0), spec.dp))
    return values


def _periods(spec, today, months: int) -> list:
    """Whole periods ending before today, oldest first, covering about `months` months."""
    count = {"monthly": months, "quarterly": months // 3, "annual": max(months // 12, 2)}[spec.frequency]
    current = periods.period_containing(today, spec.frequency)
    last_complete = periods.previous_period(current, spec.frequency)
    found = [last_complete]
    while len(found) < count:
        found.append(periods.previous_period(found[-1], spec.frequency))
    return list(reversed(found))


def _matching(objects, keywords, text_of, limit):
    matches = [obj for obj in objects if any(word in text_of(obj).lower() for word in keywords)]
    return matches[:limit]


def build(ctx):
    large = ctx.size == "large"
    months = 60 if large else 24
    count = 150 if large else len(SPECS)
    themes = list(ctx.objects.get("themes", []))
    actions = list(ctx.objects.get("actions", []))
    rng = ctx.rng

    specs = [(SPECS[i % len(SPECS)], i // len(SPECS)) for i in range(count)]
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(
                code=spec.code if copy == 0 else f"{spec.code}-{copy + 1}",
                title=spec.title if copy == 0 else f"{spec.title} (area {copy + 1})",
                what_it_measures=spec.what,
                why_it_matters=spec.why,
                how_calculated=spec.how,
                unit=spec.unit,
                decimal_places=spec.dp,
                polarity=spec.polarity,
                period_type=spec.period_type,
                frequency=spec.frequency,
                source=spec.source,
                owner=ctx.users.get(spec.owner),
                order=index,
            )
            for index, (spec, copy) in enumerate(specs)
        ]
    )

    theme_links, action_links, targets, benchmarks, measurements = [], [], [], [], []
    for indicator, (spec, _copy) in zip(indicators, specs, strict=False):
        for theme in _matching(themes, spec.keywords, lambda t: t.title, 2):
            theme_links.append(Indicator.themes.through(indicator_id=indicator.pk, theme_id=theme.pk))
        for action in _matching(actions, spec.keywords, lambda a: a.title, 2):
            action_links.append(Indicator.actions.through(indicator_id=indicator.pk, action_id=action.pk))

        series_periods = _periods(spec, ctx.today, months)
        values = _series(spec, len(series_periods), rng)
        # Targets move over the plan: the first from the start of the series, then in steps.
        step = max(len(series_periods) // max(len(spec.targets), 1), 1)
        indicator_targets = []
        for number, (value, kind, tolerance, note) in enumerate(spec.targets):
            target = Target(
                indicator=indicator,
                effective_from=series_periods[min(number * step, len(series_periods) - 1)],
                value=Decimal(str(value)),
                tolerance_kind=kind,
                tolerance=Decimal(str(tolerance)),
                expected_direction_note=note,
            )
            indicator_targets.append(target)
        targets.extend(indicator_targets)

        for kind, rows in ((Benchmark.Kind.ENGLAND, spec.england), (Benchmark.Kind.STAT_NEIGHBOURS, spec.neighbours)):
            for year, figure in rows:
                suppressed = isinstance(figure, str)
                benchmarks.append(
                    Benchmark(
                        indicator=indicator,
                        kind=kind,
                        period=periods.period_containing(ctx.today.replace(year=year, month=6, day=1), "annual"),
                        value=None if suppressed else Decimal(str(figure)),
                        suppression_code=figure if suppressed else "",
                        source=f"DfE, {spec.source}, {year}/{(year + 1) % 100:02d}",
                    )
                )

        last = len(series_periods) - 1
        for index, (period, value) in enumerate(zip(series_periods, values, strict=False)):
            missing = ""
            if spec.not_yet_available and index == last:
                missing = Measurement.MissingReason.NOT_YET_AVAILABLE
            elif spec.suppressed_month is not None and index == last - spec.suppressed_month:
                missing = Measurement.MissingReason.SUPPRESSED
            in_force = target_in_force(indicator_targets, period)
            rag = kpi_rag(value=None if missing else value, target=in_force, polarity=spec.polarity)
            commentary = ""
            if rag == "red" and index == last:
                commentary = (
                    spec.red_commentary
                    or "Below target. The service manager is reviewing the cases behind this figure."
                )
            elif rag == "red" and index >= last - 2:
                commentary = "Below target; see the action plan for this theme."
            elif missing == Measurement.MissingReason.SUPPRESSED:
                commentary = "Fewer than six children: the figure is not shown so that no child can be identified."
            elif missing == Measurement.MissingReason.NOT_YET_AVAILABLE:
                commentary = "The health provider's figures for this month arrive after the board papers are due."
            quality = ""
            if spec.quality_note and period.month == 6 and period.year == ctx.today.year - 1:
                quality = LIQUIDLOGIC_NOTE
            entered_on = periods.period_end(period, spec.frequency) + timedelta(days=10)
            measurements.append(
                Measurement(
                    indicator=indicator,
                    period=period,
                    value=None if missing else value,
                    missing_reason=missing,
                    commentary=commentary,
                    data_quality_note=quality,
                    entered_by=indicator.owner,
                    entered_at=timezone.make_aware(datetime.combine(min(entered_on, ctx.today), time(9, 30))),
                )
            )

    Indicator.themes.through.objects.bulk_create(theme_links)
    Indicator.actions.through.objects.bulk_create(action_links)
    Target.objects.bulk_create(targets)
    Benchmark.objects.bulk_create(benchmarks)
    # The one writer of KPI values, so the demo has the same history and knowledge versions as real data.
    save_measurements(new=measurements, batch_size=2000)
    ctx.objects["indicators"] = indicators
