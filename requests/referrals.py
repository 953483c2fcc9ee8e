"""Referrals between organisations: an organisation that cannot take a help request passes it to a partner.

Writes (``referral_create``, ``referral_decline``) and the reads that go with them (the partner's inbox). They live
apart from services.py because they are one small sub-domain; a partner's answer to a referred request goes through
``services.response_create``, which marks the referral as answered.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.services import notification_send
from neighbours.models import Membership
from neighbours.selectors import check_may_act, membership_may_act
from requests.models import HelpRequest, Referral
from requests.services import Conflict


@transaction.atomic
def referral_create(*, help_request, from_organisation, to_organisation, referred_by, note=""):
    """An admin or coordinator of ``from_organisation`` refers an open request to ``to_organisation``, whose admins
    and coordinators are notified (``request_referred``).

    Raises PermissionDenied (no role in ``from_organisation``), ValidationError (referring to itself) or Conflict
    (the request is not open, or was already referred to this partner).
    """
    check_may_act(neighbour=referred_by, organisation=from_organisation)
    if to_organisation.pk == from_organisation.pk:
        raise ValidationError({"to_organisation": [_("Choose another organisation than your own.")]})
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if help_request.status != HelpRequest.Status.OPEN:
        raise Conflict(_("Only open requests can be passed on."))
    referral = Referral(
        request=help_request, from_organisation=from_organisation, to_organisation=to_organisation,
        referred_by=referred_by, note=note,
    )
    referral.full_clean(validate_unique=False, validate_constraints=False)  # the database enforces "once"
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        raise Conflict(_("This request has already been passed on to that organisation.")) from None
    partners = to_organisation.memberships.filter(
        role__in=[Membership.Role.ADMIN, Membership.Role.COORDINATOR], neighbour__is_active=True
    ).exclude(neighbour=referred_by).select_related("neighbour")
    for membership in partners:
        notification_send(
            recipient=membership.neighbour,
            kind="request_referred",
            payload={
                "request": help_request.pk, "title": help_request.title, "referral": referral.pk,
                "organisation": to_organisation.pk, "from": from_organisation.name,
            },
        )
    return referral


@transaction.atomic
def referral_decline(*, referral, by):
    """The partner (an admin or coordinator of ``to_organisation``) declines a referral.

    Raises PermissionDenied or Conflict (already answered or declined).
    """
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    check_may_act(neighbour=by, organisation=referral.to_organisation)
    if referral.status != Referral.Status.PENDING:
        raise Conflict(_("This referral has already been dealt with."))
    referral.status = Referral.Status.DECLINED
    referral.decided_at = timezone.now()
    referral.decided_by = by
    referral.save(update_fields=["status", "decided_at", "decided_by"])
    return referral


def referrals_mark_responded(*, help_request, organisation, by):
    """Marks pending referrals of ``help_request`` to ``organisation`` as answered (called when it responds)."""
    return Referral.objects.filter(
        request=help_request, to_organisation=organisation, status=Referral.Status.PENDING
    ).update(status=Referral.Status.RESPONDED, decided_at=timezone.now(), decided_by=by)


def referral_inbox(*, organisation, viewer):
    """The requests referred to ``organisation``, newest first, for its admins and coordinators (PermissionDenied
    for anyone else)."""
    check_may_act(neighbour=viewer, organisation=organisation)
    return Referral.objects.filter(to_organisation=organisation).select_related(
        "request", "request__category", "from_organisation", "referred_by"
    )


def referral_get_for_partner(*, viewer, pk):
    """A referral to an organisation ``viewer`` acts for; Http404 for everyone else."""
    referral = Referral.objects.select_related("to_organisation", "request").filter(pk=pk).first()
    if referral is None or not membership_may_act(neighbour=viewer, organisation=referral.to_organisation):
        raise Http404
    return referral

