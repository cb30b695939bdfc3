"""Admin for boards and meetings. Clerks record meetings through the service pages; admin is the
fallback for admins. A published pack is what a board saw, so it is read-only here, and a meeting
with a published pack cannot be deleted (Django admin says why)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ExplainsProtectedRecords, PermanentRecordAdmin
from meetings.models import (
    AgendaItem,
    Board,
    BoardMembership,
    Meeting,
    MeetingAction,
    PublishedPack,
    ReminderLog,
    Resolution,
)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["order", "title", "presenter"]
    show_change_link = True


class ResolutionInline(admin.TabularInline):
    model = Resolution
    extra = 0
    fields = ["number", "text"]


class MeetingActionInline(admin.TabularInline):
    model = MeetingAction
    fk_name = "meeting"
    extra = 0
    fields = ["description", "kind", "owner_name", "due_date", "status"]
    show_change_link = True


class BoardMembershipInline(admin.TabularInline):
    model = BoardMembership
    extra = 0
    fields = ["user", "role"]
    autocomplete_fields = ["user"]


@admin.register(Board)
class BoardAdmin(ExplainsProtectedRecords, SimpleHistoryAdmin):
    list_display = ["name", "kind", "cadence", "chair", "chair_name"]
    list_filter = ["kind", "cadence"]
    search_fields = ["name"]
    list_select_related = ["chair"]
    autocomplete_fields = ["chair"]
    filter_horizontal = ["themes", "indicators"]
    inlines = [BoardMembershipInline]


@admin.register(Meeting)
class MeetingAdmin(ExplainsProtectedRecords, SimpleHistoryAdmin):
    list_display = ["__str__", "board", "starts_at", "status", "minutes_status"]
    list_filter = ["board", "status", "minutes_status"]
    list_select_related = ["board"]
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline, MeetingActionInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "meeting", "order", "presenter"]
    list_filter = ["meeting__board"]
    search_fields = ["title", "minutes"]
    list_select_related = ["meeting__board"]
    raw_id_fields = ["meeting"]
    filter_horizontal = ["themes", "actions", "indicators"]
    inlines = [ResolutionInline]


@admin.register(Resolution)
class ResolutionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "item"]
    search_fields = ["text"]
    list_select_related = ["item__meeting__board"]
    raw_id_fields = ["item"]


@admin.register(MeetingAction)
class MeetingActionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "meeting", "kind", "owner_name", "due_date", "status"]
    list_filter = ["status", "kind", "meeting__board"]
    search_fields = ["description", "owner_name", "response"]
    list_select_related = ["meeting__board"]
    raw_id_fields = ["meeting", "item"]
    autocomplete_fields = ["owner"]


@admin.register(PublishedPack)
class PublishedPackAdmin(PermanentRecordAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "as_at", "published_by_name", "published_at"]
    list_filter = ["meeting__board"]
    list_select_related = ["meeting__board"]
    exclude = ["html", "content"]
    readonly_fields = ["meeting", "as_at", "published_by", "published_by_name", "published_at"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["user", "sent_on", "summary"]
    list_select_related = ["user"]
    date_hierarchy = "sent_on"
    readonly_fields = ["user", "sent_on", "summary"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
