from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.gis.admin import GISModelAdmin
from django.utils.translation import gettext_lazy as _

from neighbours.models import Membership, Neighbour, Organisation, Report


@admin.register(Neighbour)
class NeighbourAdmin(UserAdmin):
    """The operator's view of accounts. The exact home is private to its owner and is not shown here."""

    ordering = ["email"]
    list_display = ["email", "display_name", "language", "email_verified_at", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_moderator", "language"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login", "email_verified_at", "verified_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "language", "reach_km", "bio"]}),
        (_("Status"), {"fields": ["is_active", "email_verified_at", "verified_at", "suspended_until", "date_joined",
                                   "last_login"]}),
        # Moderators are chosen by the operator; moderating itself happens in the community's own pages.
        (_("Community"), {"fields": ["is_moderator"]}),
        (_("Operator rights"), {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]}),
    ]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["neighbour"]


@admin.register(Organisation)
class OrganisationAdmin(GISModelAdmin):
    list_display = ["name", "kind", "is_professional", "service_radius_km", "created_at"]
    list_filter = ["kind", "is_professional"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Numbers for the operator only: what kind of thing was reported and why. The content, the free-text note and
    the decisions belong to the community moderators (/moderation/), and private messages never reach this admin."""

    list_display = ["created_at", "target_type", "target_id", "reason", "status"]
    list_filter = ["status", "target_type", "reason"]
    fields = ["created_at", "target_type", "target_id", "reason", "status"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
