def can_run_imports(user) -> bool:
    """Imports and exports are for admins only: they change or reveal the whole plan."""
    return user.has_perm("core.run_imports")
