"""The four roles, as groups with permissions.

A role is a Django group. Its permissions are listed here as "app_label.codename" patterns
(fnmatch wildcards), so a model added by a later change is covered without editing groups by
hand. `sync_roles` is run by a data migration and again after every `migrate`.
"""

from fnmatch import fnmatchcase

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

ADMIN = "Admin"
OFFICER = "Officer"
BOARD_MEMBER = "Board member"
CLERK = "Clerk"
ROLE_NAMES = (ADMIN, OFFICER, BOARD_MEMBER, CLERK)

ROLE_DESCRIPTIONS = {
    ADMIN: "Maintains the plan, indicators, boards and users; imports and exports data; uses Django admin.",
    OFFICER: "Records progress on the actions they lead and enters values for the indicators they own.",
    BOARD_MEMBER: "Reads the plan, indicators, dashboards and board packs. Cannot change anything.",
    CLERK: "Records meetings, agendas, minutes, resolutions and actions arising.",
}

_READ_EVERYTHING = [
    "core.use_service",
    "improvement.view_*",
    "indicators.view_*",
    "meetings.view_*",
    "dashboard.view_*",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMIN: [
        # Named one by one, and no "auth.*": accounts and roles are managed on the service's Users
        # page, where every change is audited. Django admin's user pages (is_superuser, permissions,
        # groups) are for a superuser created on the command line only. The audit log is read-only.
        "core.use_service",
        "core.use_admin_site",
        "core.run_imports",
        "core.manage_users",
        "core.view_auditentry",
        "improvement.*",
        "indicators.*",
        "meetings.*",
        "imports.*",
        "dashboard.*",
    ],
    OFFICER: [
        *_READ_EVERYTHING,
        "improvement.add_actionupdate",
        "improvement.add_targetdaterevision",
        # The risks to delivery register (issue 17): officers and admins keep it.
        "improvement.add_risk",
        "improvement.change_risk",
        # "You said, we did" (issue 17): officers and admins keep it.
        "improvement.add_yousaidwedid",
        "improvement.change_yousaidwedid",
        "indicators.add_measurement",
        "indicators.change_measurement",
    ],
    BOARD_MEMBER: [*_READ_EVERYTHING],
    CLERK: [
        *_READ_EVERYTHING,
        "meetings.add_*",
        "meetings.change_*",
        "meetings.delete_*",
        # Clerks publish visit briefs as they publish board packs.
        "dashboard.add_publishedvisitbrief",
    ],
}


# Permanent records (see core/records.py): written by the service, never edited or deleted, so no
# role is given change_ or delete_ on them, whatever its patterns say.
PERMANENT_RECORDS = {
    "core.auditentry",
    "improvement.actionupdate",
    "improvement.targetdaterevision",
    "meetings.publishedpack",
    "dashboard.publishedvisitbrief",
    "imports.importjob",
    "imports.importchange",
}


def _matches(patterns: list[str], app_label: str, codename: str) -> bool:
    name = f"{app_label}.{codename}"
    # Historical (audit) models are read-only records: nobody is given rights to edit them.
    if "historical" in codename and not codename.startswith("view_"):
        return False
    verb, _, model = codename.partition("_")
    if verb in {"change", "delete"} and f"{app_label}.{model}" in PERMANENT_RECORDS:
        return False
    return any(fnmatchcase(name, pattern) for pattern in patterns)


def sync_roles(group_model, permission_model) -> None:
    """Create the role groups and set each one's permissions from ROLE_PERMISSIONS."""
    permissions = list(permission_model.objects.select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = [p for p in permissions if _matches(patterns, p.content_type.app_label, p.codename)]
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, using="default", apps=None, **kwargs):
    # Once per migrate (or test flush). Apps after "core" have not had their permissions
    # created yet at this point, so create every app's first; it is idempotent.
    if sender.label != "core":
        return
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_roles(Group, Permission)


def role_names_for(user) -> list[str]:
    """The user's roles, in the order of ROLE_NAMES. Reads user.groups (one query unless prefetched)."""
    if not user.is_authenticated:
        return []
    names = {g.name for g in user.groups.all()}
    roles = [r for r in ROLE_NAMES if r in names]
    if user.is_superuser and ADMIN not in roles:
        roles.insert(0, ADMIN)
    return roles


def is_admin(user) -> bool:
    return user.is_authenticated and user.has_perm("core.use_admin_site")
