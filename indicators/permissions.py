"""What a user may do with an indicator. Views and templates ask these, never the roles directly."""

from core.roles import is_admin


def can_enter_values(user, indicator) -> bool:
    """Admins enter values for any indicator; an officer for the indicators they own."""
    if not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    return indicator.owner_id == user.pk and user.has_perm("indicators.add_measurement")


def can_change_spc_baseline(user, indicator) -> bool:
    """The SPC baseline is the indicator owner's judgement, so the same people as enter its values."""
    return can_enter_values(user, indicator)


def can_use_entry_list(user) -> bool:
    """Whether "Enter values" makes sense for this user: admins, and officers who can add measurements."""
    return user.is_authenticated and (is_admin(user) or user.has_perm("indicators.add_measurement"))


def can_manage_definitions(user) -> bool:
    """Indicator definitions and targets are kept by admins (the role with indicators.change_indicator)."""
    return user.is_authenticated and user.has_perm("indicators.change_indicator")


def entry_rights_part(user) -> str:
    """Everything can_enter_values and can_change_spc_baseline read of the user, for a cache key: pages
    rendered for one kind of reader are served to another only when both would see the same links."""
    if not user.is_authenticated:
        return "anonymous"
    if is_admin(user):
        return "admin"
    if user.has_perm("indicators.add_measurement"):
        return f"may-enter:{user.pk}"  # enters values for the indicators they own
    return "reader"
