from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core import cache, clock
from core.roles import is_admin
from core.views import require_service_user
from improvement import queries
from improvement.forms import SORT_CHOICES, ActionFilter, ActionUpdateForm
from improvement.models import (
    Action,
    ActionUpdate,
    Inspection,
    InterventionEvent,
    Plan,
    Recommendation,
    TargetDateRevision,
)
from improvement.permissions import can_update_action
from improvement.queries import RAG_ORDER, plan_as_at, rag_counts, recommendation_progress
from improvement.rules import earliest_effective_dates, needs_update, plan_may_be_deleted
from improvement.services import (
    BackdatedEntryError,
    PlanNotDeletableError,
    StaleActionError,
    delete_unactivated_plan,
    record_update,
)

_RAG_RANK = {rag.value: i for i, rag in enumerate(RAG_ORDER)}
_SORT_KEYS = {
    "target_date": lambda s: (s.target_date is None, s.target_date, _plan_order(s)),
    "rag": lambda s: (_RAG_RANK[s.rag], _plan_order(s)),
    "last_update": lambda s: (s.last_update is not None, s.last_update.date if s.last_update else None, _plan_order(s)),
}


def _plan_order(state):
    action = state.action
    return (action.theme.order, action.theme.reference, action.order, action.reference)


def plan(request):
    require_service_user(request.user)
    today = clock.today()
    plans = list(queries.plans_newest_first())
    chosen = request.GET.get("plan")
    if chosen:
        selected = next((p for p in plans if str(p.pk) == chosen), None)
        if selected is None:
            raise Http404("No such plan")
    else:
        selected = queries.current_plan_from(plans)
    if selected is None:
        return render(request, "improvement/plan.html", {"plans": plans, "selected_plan": None})

    filterset = ActionFilter(request.GET or None, queryset=Action.objects.all(), plan=selected)
    sort = filterset.sort_key

    def compute():
        states = filterset.filter_states(plan_as_at(selected, today, actions=filterset.qs))
        if sort == "reference":
            return _group_by_theme(states), len(states), rag_counts(states)
        return [(None, sorted(states, key=_SORT_KEYS[sort]))], len(states), rag_counts(states)

    # The filters name no reader, so the plan and the query string are all the key needs.
    groups, total, counts = cache.cached(request, "plan", compute, parts=(selected.pk, sorted(request.GET.lists())))
    return render(
        request,
        "improvement/plan.html",
        {
            "plans": plans,
            "selected_plan": selected,
            "filterset": filterset,
            "groups": groups,
            "total": total,
            "counts": counts,
            "sort_label": dict(SORT_CHOICES)[sort],
            "is_filtered": any(v for k, v in request.GET.items() if k not in ("plan", "sort")),
            "today": today,
            "can_delete_plan": is_admin(request.user) and plan_may_be_deleted(selected),
        },
    )


def _group_by_theme(states):
    groups = []
    for state in states:
        if not groups or groups[-1][0].pk != state.action.theme_id:
            groups.append((state.action.theme, []))
        groups[-1][1].append(state)
    return groups


def _action_queryset():
    return Action.objects.select_related("theme__plan", "lead_officer")


def action_detail(request, pk):
    require_service_user(request.user)
    action = get_object_or_404(
        _action_queryset().prefetch_related(
            "delegates",
            "indicators",
            Prefetch("recommendations", Recommendation.objects.select_related("inspection")),
            Prefetch("target_date_revisions", TargetDateRevision.objects.select_related("recorded_by")),
            Prefetch("updates", ActionUpdate.objects.select_related("author", "corrects")),
        ),
        pk=pk,
    )
    today = clock.today()
    state = _state_today(action, today)
    return render(
        request,
        "improvement/action_detail.html",
        {
            "action": action,
            "state": state,
            "can_update": can_update_action(request.user, action),
            "revisions": action.target_date_revisions.all(),
            "updates": action.updates.all(),
            "today": today,
        },
    )


def _state_today(action, today):
    states = plan_as_at(action.theme.plan, today, actions=Action.objects.filter(pk=action.pk))
    # An action added after today (planned ahead) has no state yet; show it as not started.
    return states[0] if states else None


def my_actions(request):
    require_service_user(request.user)
    today = clock.today()
    current = queries.current_plan()
    states = []
    if current is not None:
        mine = Action.objects.filter(Q(lead_officer=request.user) | Q(delegates=request.user)).values("pk")
        states = plan_as_at(current, today, actions=Action.objects.filter(pk__in=mine))
    rows = [
        (
            state,
            needs_update(
                finished=state.is_finished,
                last_update_on=state.last_update.date if state.last_update else None,
                target_date=state.target_date,
                today=today,
            ),
        )
        for state in states
    ]
    rows.sort(key=lambda row: (not row[1], row[0].target_date is None, row[0].target_date, _plan_order(row[0])))
    return render(
        request,
        "improvement/my_actions.html",
        {
            "plan": current,
            "needing_update": [state for state, needs in rows if needs],
            "up_to_date": [state for state, needs in rows if not needs],
            "can_record": request.user.has_perm("improvement.add_actionupdate"),
            "due_days": settings.ACTION_UPDATE_DUE_DAYS,
            "today": today,
        },
    )


def action_update(request, pk):
    require_service_user(request.user)
    action = get_object_or_404(_action_queryset().prefetch_related("delegates"), pk=pk)
    if not can_update_action(request.user, action):
        raise PermissionDenied
    today = clock.today()
    state = _state_today(action, today)
    conflict = None
    rule = {"earliest": earliest_effective_dates([action])[action.pk], "can_backdate": is_admin(request.user)}
    if request.method == "POST":
        form = ActionUpdateForm(request.POST, action=action, today=today, **rule)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_update(
                    action=action,
                    author=request.user,
                    expected_version=data["expected_version"],
                    date=data["date"],
                    status=data["status"],
                    progress=data["progress"],
                    narrative=data["narrative"],
                    evidence_of_impact=data["evidence_of_impact"],
                    rag_override=data["rag_override"],
                    rag_override_reason=data["rag_override_reason"],
                    revised_target_date=data["revised_target_date"],
                    revision_reason=data["revision_reason"],
                    revision_agreed_by=data["revision_agreed_by"],
                    backdating_reason=data["backdating_reason"],
                    earliest=rule["earliest"],
                )
            except StaleActionError as stale:
                conflict = stale.latest_update
                form = _form_after_conflict(request.POST, action, today, conflict, rule)
            except BackdatedEntryError as refused:
                form.add_error("date", refused.earliest.refusal("The date of this update"))
            else:
                messages.success(request, f"Your update to {action.reference} has been recorded.")
                return redirect(action)
    else:
        form = ActionUpdateForm(
            initial={
                "expected_version": action.version,
                "date": today,
                "status": state.status if state else action.status,
                "progress": state.progress if state else action.progress,
            },
            action=action,
            today=today,
            **rule,
        )
    return render(
        request,
        "improvement/actionupdate_form.html",
        {
            "action": action,
            "state": state,
            "form": form,
            "conflict": conflict,
            "amber_days": settings.ACTION_RAG_AMBER_DAYS_LATE,
        },
    )


def _form_after_conflict(post, action, today, latest, rule):
    """Keep what the person typed, explain who got there first, and let them submit again knowingly."""
    action.refresh_from_db(fields=["version", "target_date", "status", "progress"])
    data = post.copy()
    data["expected_version"] = str(action.version)
    form = ActionUpdateForm(data, action=action, today=today, **rule)
    form.is_valid()
    if latest is not None:
        who = latest.author.get_full_name() if latest.author else (latest.author_name or "Someone")
        when = (
            timezone.localtime(latest.created_at)
            .strftime("%-d %B %Y at %-I:%M%p")
            .replace("AM", "am")
            .replace("PM", "pm")
        )
        message = (
            f"{who} recorded an update to this action on {when}, after you opened this form. "
            "Nothing has been saved. Read their update, then check your answers and submit again."
        )
    else:
        message = (
            "Someone changed this action after you opened this form. Nothing has been saved. "
            "Check your answers and submit again."
        )
    form.add_error(None, message)
    return form


def inspection_list(request):
    require_service_user(request.user)
    inspections = list(Inspection.objects.all())
    events = list(InterventionEvent.objects.all())
    timeline = [(i.start_date, 0, "inspection", i) for i in inspections] + [(e.date, 1, "event", e) for e in events]
    timeline.sort(key=lambda item: (item[0], item[1], item[3].pk), reverse=True)
    return render(
        request,
        "improvement/inspection_list.html",
        {"timeline": [(kind, obj) for _, _, kind, obj in timeline]},
    )


def _progress_today(recommendations):
    return recommendation_progress(recommendations, as_at=clock.today())


def inspection_detail(request, pk):
    require_service_user(request.user)
    inspection = get_object_or_404(Inspection.objects.all(), pk=pk)
    recommendations = list(inspection.recommendations.order_by("order", "reference"))
    judgements = [
        (inspection._meta.get_field(name).verbose_name, getattr(inspection, f"get_{name}_display")())
        for name in (
            "overall_judgement",
            "leaders_judgement",
            "help_and_protection_judgement",
            "in_care_judgement",
            "care_leavers_judgement",
        )
    ]
    return render(
        request,
        "improvement/inspection_detail.html",
        {
            "inspection": inspection,
            "judgements": judgements,
            "progress": _progress_today(recommendations) if recommendations else [],
        },
    )


def recommendation_detail(request, pk):
    require_service_user(request.user)
    recommendation = get_object_or_404(Recommendation.objects.select_related("inspection"), pk=pk)
    (progress,) = _progress_today([recommendation])
    return render(
        request, "improvement/recommendation_detail.html", {"recommendation": recommendation, "progress": progress}
    )


def plan_delete(request, pk):
    """An admin deletes a plan that was never made active (a mistaken import), after confirming what
    goes with it. Django admin's delete for plans comes here too."""
    if not is_admin(request.user):
        raise PermissionDenied
    plan = get_object_or_404(Plan, pk=pk)
    problem = ""
    if request.method == "POST":
        name = str(plan)
        try:
            delete_unactivated_plan(plan=plan, by=request.user)
        except PlanNotDeletableError as refusal:
            problem = str(refusal)
        else:
            messages.success(request, f"{name} has been deleted, with everything in it. The audit log records this.")
            return redirect("improvement:plan")
    return render(
        request,
        "improvement/plan_delete.html",
        {
            "plan": plan,
            "may_be_deleted": plan_may_be_deleted(plan),
            "contents": queries.plan_contents(plan),
            "problem": problem,
        },
    )
