"""The Users page (accounts and their one role) and the audit log, for the Admin role."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import queries, services
from core.formats import person_name
from core.forms import AuditFilterForm, RoleForm, UserCreateForm, UserFilterForm, role_from_choice
from core.permissions import service_user_required
from core.queries import NO_ROLE
from core.rules import account_change_refusal

AUDIT_PAGE_SIZE = 100


def _require_user_admin(user):
    if not user.has_perm("core.manage_users"):
        raise PermissionDenied


def _account(request, pk):
    _require_user_admin(request.user)
    return get_object_or_404(queries.users_for_admin(), pk=pk)


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


def _send_link(request, account, *, new_account=False) -> bool:
    try:
        services.send_password_link(request.user, account, site_url=_site_url(request), new_account=new_account)
    except services.AccountChangeRefused as refusal:
        messages.error(request, str(refusal))
        return False
    except services.EmailNotSent:
        messages.error(request, f"The email to {account.email} could not be sent. Try again later.")
        return False
    return True


@service_user_required
def user_list(request):
    _require_user_admin(request.user)
    form = UserFilterForm(request.GET or None)
    role = form.cleaned_data["role"] if form.is_valid() else ""
    users = list(queries.users_for_admin(role or None))
    locked = queries.locked_out_usernames(u.get_username() for u in users)
    rows = [{"user": u, "role": queries.role_of(u), "locked": u.get_username() in locked} for u in users]
    return render(request, "core/user_list.html", {"form": form, "rows": rows, "is_filtered": bool(role)})


@service_user_required
def user_create(request):
    _require_user_admin(request.user)
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = services.create_user(
            request.user,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=role_from_choice(data["role"]),
        )
        if _send_link(request, account, new_account=True):
            messages.success(
                request,
                f"Account created for {person_name(account)}. We have emailed them a link to choose a password.",
            )
        else:
            messages.success(request, f"Account created for {person_name(account)}.")
        return redirect("users:detail", pk=account.pk)
    return render(request, "core/user_create.html", {"form": form})


@service_user_required
def user_detail(request, pk):
    account = _account(request, pk)
    return render(
        request,
        "core/user_detail.html",
        {
            "account": account,
            "role": queries.role_of(account),
            "locked": bool(queries.locked_out_usernames([account.get_username()])),
            "refusal": account_change_refusal(request.user, account),
            "may_act_on_superuser": request.user.is_superuser or not account.is_superuser,
            "entries": queries.audit_entries_about(account),
        },
    )


@service_user_required
def user_role(request, pk):
    account = _account(request, pk)
    refusal = account_change_refusal(request.user, account)
    if refusal:
        messages.error(request, refusal)
        return redirect("users:detail", pk=account.pk)
    current = queries.role_of(account)
    form = RoleForm(request.POST if request.method == "POST" else None, initial={"role": current or NO_ROLE})
    if request.method == "POST" and form.is_valid():
        new = role_from_choice(form.cleaned_data["role"])
        if services.change_role(request.user, account, new):
            messages.success(request, f"{person_name(account)}'s role is now {new or 'no role'}.")
        else:
            messages.success(request, f"{person_name(account)} already had that role. Nothing changed.")
        return redirect("users:detail", pk=account.pk)
    return render(request, "core/user_role.html", {"account": account, "form": form})


@service_user_required
def user_deactivate(request, pk):
    account = _account(request, pk)
    refusal = account_change_refusal(request.user, account)
    if refusal:
        messages.error(request, refusal)
        return redirect("users:detail", pk=account.pk)
    if request.method == "POST":
        services.set_active(request.user, account, False)
        messages.success(request, f"{person_name(account)}'s account is deactivated. They can no longer sign in.")
        return redirect("users:detail", pk=account.pk)
    return render(request, "core/user_deactivate.html", {"account": account})


@require_POST
@service_user_required
def user_reactivate(request, pk):
    account = _account(request, pk)
    try:
        changed = services.set_active(request.user, account, True)
    except services.AccountChangeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if changed:
            messages.success(request, f"{person_name(account)}'s account is active again. They can sign in.")
    return redirect("users:detail", pk=account.pk)


@require_POST
@service_user_required
def user_unlock(request, pk):
    account = _account(request, pk)
    try:
        services.unlock(request.user, account)
    except services.AccountChangeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{person_name(account)} can try to sign in again.")
    return redirect("users:detail", pk=account.pk)


@require_POST
@service_user_required
def user_password_link(request, pk):
    account = _account(request, pk)
    if _send_link(request, account):
        messages.success(request, f"We have emailed a password link to {account.email}.")
    return redirect("users:detail", pk=account.pk)


@require_GET
@service_user_required
def audit_log(request):
    _require_user_admin(request.user)
    form = AuditFilterForm(request.GET or None)
    event, person = "", None
    if form.is_valid():
        event, person = form.cleaned_data["event"], form.cleaned_data["person"]
    entries = queries.audit_entries(event or None, person)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {
            "form": form,
            "page": page,
            "caption": f"Entries {page.start_index()} to {page.end_index()} of {page.paginator.count}, newest first",
            "is_filtered": bool(event or person),
        },
    )
