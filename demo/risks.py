"""The demo council's risks to delivery (issue 17): what could stop the plan being delivered, each scored
by likelihood and impact, so the dashboard, the register and every board pack have some to show."""

from datetime import timedelta

from improvement.services import save_risk

# (title, cause, likelihood, impact, owner's job title, mitigation, theme references, review in days)
RISKS = [
    (
        "Social worker vacancies stay above 20%",
        "Agency staff are leaving for neighbouring councils that pay more; two newly qualified cohorts are small.",
        4,
        4,
        "Head of workforce development",
        "Market supplement agreed for front-line posts; a second overseas recruitment round; caseload cap of 20.",
        ("1", "3"),
        30,
    ),
    (
        "The new case management system goes live late",
        "The supplier has moved the go-live date twice; data migration testing found duplicate child records.",
        3,
        4,
        "Head of business intelligence",
        "Weekly board with the supplier; the old system's contract extended by six months as a fallback.",
        ("5",),
        45,
    ),
    (
        "Partners do not attend strategy discussions",
        "Police and health rotas leave gaps in the multi-agency safeguarding hub.",
        3,
        3,
        "Head of the front door",
        "Escalation to the safeguarding partnership's executive; attendance reported to every improvement board.",
        ("2",),
        60,
    ),
    (
        "Placement sufficiency for teenagers with complex needs",
        "Few local foster carers for teenagers; residential places are full or far away.",
        4,
        3,
        "Head of children in care",
        "Sufficiency strategy refreshed; two in-house children's homes in development.",
        ("4",),
        90,
    ),
]


def build(ctx):
    themes = {theme.reference: theme for theme in ctx.objects.get("themes", [])}
    for title, cause, likelihood, impact, owner_name, mitigation, references, review_in in RISKS:
        save_risk(
            title=title,
            cause=cause,
            likelihood=likelihood,
            impact=impact,
            owner_name=owner_name,
            mitigation=mitigation,
            review_date=ctx.today + timedelta(days=review_in),
            themes=[themes[reference] for reference in references if reference in themes],
        )
