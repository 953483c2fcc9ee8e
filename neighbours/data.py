"""Data protection: a neighbour's copy of their own data (export), erasing an account, and deleting old data
(retention).

neighbours/ sits below requests/, offers/ and chat/ and must not import them, yet export, erasure and retention have
to know every app's models. So each app owns its part and registers it here from its ``AppConfig.ready()``
(``register(...)``): an exporter (what the app holds about a neighbour), an eraser (what must happen before the
neighbour's row is deleted, e.g. cancelling session places so the waiting list moves up) and a purger (old rows to
delete). Adding a model to an app means updating that app's ``data.py``, next to the model.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from neighbours.models import Invitation, Membership, ModerationDecision, Neighbour, Organisation, Report
from neighbours.services import OrganisationConflict, organisation_delete


@dataclass(frozen=True)
class DataSection:
    """One app's part of export, erasure and retention.

    ``export(neighbour)`` returns a dict of JSON-ready values (merged into the export under their keys).
    ``erase(neighbour)`` runs inside the erasure transaction, before the neighbour's row is deleted.
    ``purge(now, dry_run)`` deletes (or with ``dry_run`` only counts) old rows and returns ``{label: count}``.
    ``order`` sorts the sections: erasers and purgers of higher layers run first.
    """

    name: str
    export: Callable | None = None
    erase: Callable | None = None
    purge: Callable | None = None
    order: int = 50


_sections: dict[str, DataSection] = {}


def register(name, *, export=None, erase=None, purge=None, order=50):
    """Registers (or replaces, so that a reloaded app does not register twice) one app's data section."""
    _sections[name] = DataSection(name=name, export=export, erase=erase, purge=purge, order=order)


def sections():
    return sorted(_sections.values(), key=lambda section: (section.order, section.name))


# -- JSON helpers shared by the apps' exporters ----------------------------------------------------------------------

def point_json(point):
    """A point as ``{"lat", "lon"}`` (or None)."""
    return None if point is None else {"lat": point.y, "lon": point.x}


def when(value):
    return value.isoformat() if value is not None else None


# -- export ---------------------------------------------------------------------------------------------------------

def _neighbours_export(neighbour):
    """The profile, memberships, follows, blocks (made by them) and invitations (sent or accepted).

    Invitations they sent say whether they went by e-mail but not to which address: the address belongs to someone
    else, who may never have joined.
    """
    memberships = neighbour.memberships.select_related("organisation").order_by("created_at", "pk")
    invitations_sent = Invitation.objects.filter(invited_by=neighbour).select_related("organisation")
    invitations_accepted = Invitation.objects.filter(accepted_by=neighbour).select_related("organisation")

    def invitation(row):
        return {
            "id": row.pk, "organisation": {"id": row.organisation_id, "name": row.organisation.name},
            "role": row.role, "by_email": bool(row.email), "created_at": when(row.created_at),
            "expires_at": when(row.expires_at), "accepted_at": when(row.accepted_at),
            "revoked_at": when(row.revoked_at),
        }

    return {
        "profile": {
            "id": neighbour.pk,
            "email": neighbour.email,
            "display_name": neighbour.display_name,
            "language": neighbour.language,
            "bio": neighbour.bio,
            "home": point_json(neighbour.home),
            "home_approx": point_json(neighbour.home_approx),
            "reach_km": neighbour.reach_km,
            "interests": sorted(neighbour.interests.values_list("slug", flat=True)),
            "notify_frequency": neighbour.notify_frequency,
            "email_verified_at": when(neighbour.email_verified_at),
            "date_joined": when(neighbour.date_joined),
            "last_login": when(neighbour.last_login),
            "last_digest_at": when(neighbour.last_digest_at),
            "is_moderator": neighbour.is_moderator,
            "verified_at": when(neighbour.verified_at),
            "suspended_until": when(neighbour.suspended_until),
        },
        "memberships": [
            {"organisation": {"id": row.organisation_id, "name": row.organisation.name}, "role": row.role,
             "since": when(row.created_at)}
            for row in memberships
        ],
        "follows": [
            {"organisation": {"id": row.organisation_id, "name": row.organisation.name}, "since": when(row.created_at)}
            for row in neighbour.follows.select_related("organisation").order_by("created_at", "pk")
        ],
        "blocks": [
            {"neighbour": {"id": row.blocked_id, "display_name": row.blocked.display_name},
             "since": when(row.created_at)}
            for row in neighbour.blocks.select_related("blocked").order_by("created_at", "pk")
        ],
        "invitations_sent": [invitation(row) for row in invitations_sent],
        "invitations_accepted": [invitation(row) for row in invitations_accepted],
        "reports_made": [
            {"id": row.pk, "target_type": row.target_type, "target_id": row.target_id, "reason": row.reason,
             "note": row.note, "status": row.status, "created_at": when(row.created_at)}
            for row in Report.objects.filter(reporter=neighbour).order_by("created_at", "pk")
        ],
        # Moderators' decisions (never those about them, which belong to the moderators' records).
        "moderation_decisions_made": [
            {"id": row.pk, "action": row.action, "target_type": row.target_type, "target_id": row.target_id,
             "note": row.note, "created_at": when(row.created_at)}
            for row in ModerationDecision.objects.filter(moderator=neighbour).order_by("created_at", "pk")
        ],
    }


def export_filename():
    """The name under which a download of the export is saved: ``dugnad-export-<date>.json``."""
    return f"dugnad-export-{timezone.localdate().isoformat()}.json"


def neighbour_export(*, neighbour):
    """Everything Dugnad holds about ``neighbour``, as JSON-ready data, for them alone.

    Other people appear only as much as the neighbour already sees them (names in their threads and agreements,
    never their e-mail addresses or exact homes).
    """
    data = {"format": "dugnad-export/1", "exported_at": when(timezone.now())}
    data.update(_neighbours_export(neighbour))
    for section in sections():
        if section.export is not None:
            data.update(section.export(neighbour))
    return data


# -- erasure --------------------------------------------------------------------------------------------------------

def _organisations_settle(neighbour):
    """Deals with the organisations ``neighbour`` administers, before their membership disappears with them.

    Another admin remains: nothing to do. No other admin but other members: refused (OrganisationConflict, 409) until
    they hand over. They are the only member: the organisation is deleted with them, by ``organisation_delete``'s
    rules (refused while it has open posts or anything other people took part in).
    """
    admin_of = Membership.objects.filter(neighbour=neighbour, role=Membership.Role.ADMIN).order_by("organisation_id")
    for membership in admin_of:
        # The same lock every change of admins takes (neighbours.services), so no admin can leave meanwhile.
        organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
        others = Membership.objects.filter(organisation=organisation).exclude(neighbour=neighbour)
        if not others.exists():
            organisation_delete(organisation=organisation, by=neighbour)
        elif not others.filter(role=Membership.Role.ADMIN).exists():
            raise OrganisationConflict(_(
                "You are the only administrator of “%(name)s”. Make another member administrator first, "
                "then delete your account."
            ) % {"name": organisation.name})


@transaction.atomic
def neighbour_erase(*, neighbour, password):
    """Erases ``neighbour``'s account for good, in one transaction, after checking their password.

    Raises ValidationError (wrong password, 400) or OrganisationConflict (the last admin of an organisation with other
    members, 409). The apps' erasers run first (session places are cancelled so the waiting list moves up, their
    name is taken out of other people's notifications, ...). Then the row is deleted, and with it, by cascade, their
    posts (and exact locations), answers, agreements, follows, blocks, API token, notifications and places in
    threads. Messages they wrote stay in the other people's threads without an author ("Deleted user").
    """
    neighbour = Neighbour.objects.select_for_update().get(pk=neighbour.pk)
    if not password or not check_password(password, neighbour.password):
        raise ValidationError({"password": [_("The password is not correct.")]})
    _organisations_settle(neighbour)
    for section in sections():
        if section.erase is not None:
            section.erase(neighbour)
    # Invitations sent to their address hold it as text (not as a key), so the cascade would not remove them.
    Invitation.objects.filter(email=neighbour.email).delete()
    neighbour.delete()


# -- retention ------------------------------------------------------------------------------------------------------

def purge_old_data(*, now=None, dry_run=False):
    """Deletes what the retention settings say is old enough (see each app's purger). Returns ``{label: count}``;
    with ``dry_run`` nothing is deleted and the counts say what would be."""
    now = now or timezone.now()
    counts = {}
    with transaction.atomic():
        for section in sections():
            if section.purge is not None:
                counts.update(section.purge(now=now, dry_run=dry_run))
    return counts
