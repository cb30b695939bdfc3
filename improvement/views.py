from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject

from core import clock
from core.formats import datetime_words, person_name
from core.permissions import service_user_required
from core.roles import is_admin
from improvement import queries
from improvement.filters import SORT_CHOICES, ActionFilter
from improvement.forms import ActionUpdateForm
from improvement.models import (
    Action,
    ActionUpdate,
    Plan,
    Recommendation,
    TargetDateRevision,
)
from improvement.permissions import can_update_action
from improvement.queries import action_rag_counts, action_rag_counts_by_theme, plan_as_at, recommendation_progress
from improvement.rules import earliest_effective_dates, plan_may_be_activated, plan_may_be_deleted
from improvement.services import (
    BackdatedEntryError,
    PlanNotDeletableError,
    StaleActionError,
    delete_unactivated_plan,
    record_update,
)

# A filtered list shows this many actions a page; the print view and the exports are never paged.
PLAN_PAGE_SIZE = 100


def _chosen_plan(request):
    """(every plan newest first, the one asked for by ?plan= or else the current one)."""
    plans = list(queries.plans_newest_first())
    chosen = request.GET.get("plan")
    if not chosen:
        return plans, queries.current_plan_from(plans)
    selected = next((p for p in plans if str(p.pk) == chosen), None)
    if selected is None:
        raise Http404("No such plan")
    return plans, selected


@service_user_required
def plan(request):
    """The whole plan, kept small: by default each theme collapsed to its RAG counts; ?theme= alone opens
    that theme in place; any other filter or sort lists the matching actions across themes, a page at a
    time. Fixed queries whatever the size (see the query-count tests).

    Everything below the title is the same for every reader of one querystring (no edit links, no form
    with a CSRF token, no per-user counts), so it is one cached fragment (core/cache.py) keyed by the
    version of the plan's tables (plan_reads), today, the plan and the querystring; `body` is worked
    out only when that fragment is not in the cache. Only the admin's links (delete, make active)
    depend on the reader, and they are outside."""
    today = clock.today()
    plans, selected = _chosen_plan(request)
    if selected is None:
        return render(request, "improvement/plan.html", {"plans": plans, "selected_plan": None})
    return render(
        request,
        "improvement/plan.html",
        {
            "plans": plans,
            "selected_plan": selected,
            "today": today,
            "can_delete_plan": is_admin(request.user) and plan_may_be_deleted(selected),
            "can_activate_plan": is_admin(request.user) and plan_may_be_activated(selected),
            "cache_part": repr(sorted(request.GET.lists())),
            "cache_reads": queries.plan_reads(),
            "body": SimpleLazyObject(lambda: _plan_body(request, selected, today)),
        },
    )


def _plan_body(request, selected, today) -> dict:
    """What templates/improvement/includes/plan_body.html shows: the counts, the filters and either the
    collapsed themes (one opened on request) or a page of matching actions."""
    filterset = ActionFilter(request.GET or None, queryset=Action.objects.all(), plan=selected)
    body = {"filterset": filterset}
    if filterset.lists_actions:
        states = queries.sort_states(
            queries.filter_states(plan_as_at(selected, today, actions=filterset.qs), **filterset.state_filters),
            filterset.sort_key,
        )
        page = Paginator(states, PLAN_PAGE_SIZE).get_page(request.GET.get("page"))
        body.update(
            listing=True,
            total=len(states),
            counts=action_rag_counts(states),
            page=page,
            page_range=_page_range(page),
            groups=queries.group_states(page.object_list, filterset.sort_key),
            list_caption=_list_caption(filterset.sort_key),
        )
        return body
    # Collapsed themes need only counts: one aggregate in the database, not every action's state.
    by_theme = action_rag_counts_by_theme(selected, today)
    opened = filterset.opened_theme
    if opened is not None:
        in_theme = plan_as_at(selected, today, actions=Action.objects.filter(theme=opened))
        page = Paginator(in_theme, PLAN_PAGE_SIZE).get_page(request.GET.get("page"))
        shown = f" {page.start_index()} to {page.end_index()} of {len(in_theme)}" if page.has_other_pages() else ""
        body.update(
            page=page,
            page_range=_page_range(page),
            opened_caption=f"Actions{shown} in {opened}",
            opened_anchor=f"#theme-{opened.pk}",
        )
    themes = queries.theme_summaries(filterset.themes, by_theme, opened)
    body.update(
        listing=False,
        total=sum(summary.total for summary in themes),
        counts=queries.summed_theme_counts(themes),
        themes=themes,
        opened_theme=opened,
    )
    return body


@service_user_required
def plan_print(request):
    """Every matching action of the plan on one printable page, grouped by theme unless sorted otherwise:
    never paged, so a printed or saved copy is the whole list the filters describe."""
    today = clock.today()
    _plans, selected = _chosen_plan(request)
    if selected is None:
        raise Http404("No plan")
    filterset = ActionFilter(request.GET or None, queryset=Action.objects.all(), plan=selected)
    states = queries.sort_states(
        queries.filter_states(plan_as_at(selected, today, actions=filterset.qs), **filterset.state_filters),
        filterset.sort_key,
    )
    return render(
        request,
        "improvement/plan_print.html",
        {
            "selected_plan": selected,
            "total": len(states),
            "counts": action_rag_counts(states),
            "groups": queries.group_states(states, filterset.sort_key),
            "list_caption": _list_caption(filterset.sort_key),
            "is_filtered": any(v for k, v in request.GET.items() if k not in ("plan", "sort", "page")),
            "today": today,
        },
    )


def _list_caption(sort):
    return f"Actions by {dict(SORT_CHOICES)[sort].lower()}"


def _page_range(page):
    # GOV.UK pagination: first and last pages, the current one and its neighbours, ellipses between.
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))


def _action_queryset():
    return Action.objects.select_related("theme__plan", "lead_officer")


@service_user_required
def action_detail(request, pk):
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


@service_user_required
def my_actions(request):
    today = clock.today()
    current = queries.current_plan()
    return render(
        request,
        "improvement/my_actions.html",
        {
            "plan": current,
            # The lists are cached as rendered for this reader (the template's cachedfragment): an officer
            # opens this page between updates, and on a hit neither the states nor the rows are worked out.
            "mine": SimpleLazyObject(lambda: _my_actions(request.user, current, today)),
            "cache_reads": queries.plan_reads(),
            "can_record": request.user.has_perm("improvement.add_actionupdate"),
            "due_days": settings.ACTION_UPDATE_DUE_DAYS,
            "today": today,
        },
    )


def _my_actions(user, plan, today) -> dict:
    needing_update, up_to_date = queries.my_actions_as_at(user, plan, today)
    return {"needing_update": needing_update, "up_to_date": up_to_date}


@service_user_required
def action_update(request, pk):
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
        who = person_name(latest.author) if latest.author else (latest.author_name or "Someone")
        when = datetime_words(latest.created_at)
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


@service_user_required
def recommendation_detail(request, pk):
    recommendation = get_object_or_404(Recommendation.objects.select_related("inspection"), pk=pk)
    (progress,) = recommendation_progress([recommendation], as_at=clock.today())
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
