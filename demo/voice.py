"""The demo council's "you said, we did" (issue 17): what groups of children and young people told the
council and what changed, on the current plan's themes. Groups only, never a named child."""

from datetime import timedelta

from improvement.services import save_you_said

# (theme reference, who said it, what they said, days ago said, what we did, days ago changed or None)
RECORDS = [
    (
        "4",
        "Children in care council",
        "We have too many changes of social worker and have to tell our story again each time.",
        200,
        "Each child in care now has a named back-up worker, and handovers are done in person with the child.",
        120,
    ),
    (
        "4",
        "Care leavers' forum (aged 18 to 21)",
        "We did not know what we were entitled to when we left care.",
        150,
        "The local offer for care leavers was rewritten with the forum and is now given at every pathway plan review.",
        60,
    ),
    (
        "2",
        "Young people at the youth council",
        "When someone is worried about us, nobody tells us what happens next.",
        90,
        "",
        None,
    ),
    (
        "3",
        "Children on child protection plans (survey of 42 children)",
        "Meetings about us are at times when we are at school.",
        75,
        "Child protection conferences for school-age children are now offered after 3.30pm.",
        20,
    ),
]


def build(ctx):
    themes = {theme.reference: theme for theme in ctx.objects.get("themes", [])}
    author = ctx.users.get("hos.cla") or ctx.users.get("officer")
    for reference, said_by, said, said_ago, did, changed_ago in RECORDS:
        if reference not in themes:
            continue
        save_you_said(
            theme=themes[reference],
            said_by=said_by,
            what_was_said=said,
            said_on=ctx.today - timedelta(days=said_ago),
            what_changed=did,
            changed_on=ctx.today - timedelta(days=changed_ago) if changed_ago is not None else None,
            written_by=author,
        )
