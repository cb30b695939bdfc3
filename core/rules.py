"""Who may change whose account. One function, used by every Users page and by the services."""


def account_change_refusal(actor, target) -> str:
    """Why `actor` may not change `target`'s role or active state, or "" when they may.

    Nobody changes their own account (an admin could lock everyone out by removing their own role),
    and only a superuser changes a superuser, so the Admin role cannot take over or disable one.
    """
    if actor.pk == target.pk:
        return "You cannot change your own account. Ask another admin."
    if target.is_superuser and not actor.is_superuser:
        return "Only a superuser can change a superuser's account."
    return ""
