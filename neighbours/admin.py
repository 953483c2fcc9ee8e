from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.gis.admin import GISModelAdmin
from django.utils.translation import gettext_lazy as _

from neighbours.models import Membership, Neighbour, Organisation


@admin.register(Neighbour)
class NeighbourAdmin(UserAdmin):
    """The operator's view of accounts. The exact home is private to its owner and is not shown here."""

    ordering = ["email"]
    list_display = ["email", "display_name", "language", "email_verified_at", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "language"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login", "email_verified_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "language", "reach_km", "bio"]}),
        (_("Status"), {"fields": ["is_active", "email_verified_at", "date_joined", "last_login"]}),
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
