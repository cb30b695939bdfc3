"""Who may do what to the plan, beyond the role's model permissions."""

from core.roles import is_admin


def can_update_action(user, action) -> bool:
    """Admins, the lead officer, or a delegate named on the action, and only with the permission to
    record updates (so a board member named as a delegate by mistake still cannot)."""
    if not user.is_authenticated or not user.has_perm("improvement.add_actionupdate"):
        return False
    if is_admin(user) or action.lead_officer_id == user.pk:
        return True
    # Reads the prefetch cache when the caller prefetched delegates.
    return any(delegate.pk == user.pk for delegate in action.delegates.all())


def can_edit_risks(user) -> bool:
    """Officers and admins keep the risks to delivery register; everyone with a role reads it."""
    return user.is_authenticated and user.has_perm("improvement.change_risk")


def can_edit_you_said(user) -> bool:
    """Officers and admins keep the "you said, we did" record; everyone with a role reads it."""
    return user.is_authenticated and user.has_perm("improvement.change_yousaidwedid")
