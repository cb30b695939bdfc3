"""Who may change boards and meetings, beyond reading them.

Everyone with a role reads every board, meeting and action arising (board papers are largely public);
only clerks and admins change them.
"""

from django.core.exceptions import PermissionDenied


def can_edit_meetings(user) -> bool:
    """Clerks and admins record boards, meetings, agendas, minutes, resolutions and actions arising."""
    return user.is_authenticated and user.has_perm("meetings.change_meeting")


def require_meetings_editor(user) -> None:
    """403 for anyone who may read meetings but not change them."""
    if not can_edit_meetings(user):
        raise PermissionDenied


def can_answer(user, action_arising) -> bool:
    """The person an action arising is asked of answers it in writing; clerks and admins answer for
    someone who has no account (or on anyone's behalf)."""
    if not user.is_authenticated or not user.has_perm("core.use_service"):
        return False
    return can_edit_meetings(user) or (action_arising.owner_id is not None and action_arising.owner_id == user.pk)


def require_answerer(user, action_arising) -> None:
    if not can_answer(user, action_arising):
        raise PermissionDenied
