"""Who may publish a visit brief: clerks and admins, as they publish board packs. Everyone with a role
reads the briefs."""


def can_publish_briefs(user) -> bool:
    return user.is_authenticated and user.has_perm("dashboard.add_publishedvisitbrief")
