"""Making a plan the active plan: an admin, after a confirmation that names the plan it replaces.
Its own module so the plan page's view stays as it is; the plan page links here through
templates/improvement/includes/plan_activate_link.html."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from core.roles import is_admin
from improvement.models import Plan
from improvement.rules import plan_may_be_activated
from improvement.services import PlanNotActivatableError, make_plan_active


def plan_activate(request, pk):
    if not is_admin(request.user):
        raise PermissionDenied
    plan = get_object_or_404(Plan, pk=pk)
    problem = ""
    if request.method == "POST":
        try:
            replaced = make_plan_active(plan=plan, by=request.user)
        except PlanNotActivatableError as refusal:
            problem = str(refusal)
        else:
            words = f" It replaces {', '.join(str(p) for p in replaced)}, which is now closed." if replaced else ""
            messages.success(request, f"{plan} is now the active plan.{words}")
            return redirect(plan.get_absolute_url())
    return render(
        request,
        "improvement/plan_activate.html",
        {
            "plan": plan,
            "may_be_activated": plan_may_be_activated(plan),
            "replaces": list(Plan.objects.filter(status=Plan.Status.ACTIVE).exclude(pk=plan.pk)),
            "problem": problem,
        },
    )
