"""Demo users: a fictional council's staff and board members, a few per role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import ADMIN, BOARD_MEMBER, CLERK, OFFICER

# (user name, first name, last name, job title, role). The first of each role is the documented demo login.
DEMO_USERS = [
    ("admin", "Alex", "Morgan", "Improvement Programme Manager", ADMIN),
    ("officer", "Sam", "Okafor", "Head of Service, Front Door and Assessment", OFFICER),
    ("board", "Jo", "Pearce", "Councillor, Chair of Children's Scrutiny", BOARD_MEMBER),
    ("clerk", "Priya", "Shah", "Democratic Services Officer", CLERK),
    ("performance", "Chris", "Doyle", "Performance and Intelligence Manager", ADMIN),
    ("hos.cin", "Helen", "Marsh", "Head of Service, Children in Need and Child Protection", OFFICER),
    ("hos.cla", "Dev", "Patel", "Head of Service, Children in Care and Care Leavers", OFFICER),
    ("pm.workforce", "Rachel", "Evans", "Principal Social Worker", OFFICER),
    ("qa.lead", "Tom", "Hughes", "Head of Quality Assurance", OFFICER),
    ("dcs", "Nadia", "Karim", "Director of Children's Services", OFFICER),
    ("adviser", "Martin", "Crowe", "DfE Improvement Adviser", BOARD_MEMBER),
    ("cllr.lead", "Angela", "Burke", "Cabinet Member for Children's Services", BOARD_MEMBER),
    ("clerk2", "Owen", "Lloyd", "Committee Clerk", CLERK),
]

DEMO_LOGINS = ["admin", "officer", "board", "clerk"]


def build(ctx, password):
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}
    for username, first, last, job_title, role in DEMO_USERS:
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username.replace('.', '-')}@riverford.example.gov.uk",
        )
        user.set_password(password)
        user.save()
        user.groups.add(groups[role])
        user.job_title = job_title  # not stored: handed to later builders through ctx
        ctx.users[username] = user
