"""Every write about neighbours: registration, e-mail verification, profile, API tokens, organisations (profile,
memberships and roles, invitations, follows) and blocks."""

import hashlib
import math
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import APIException

from geo.privacy import approximate_point
from geo.services import geocode
from neighbours.models import (
    ROLE_RANK,
    Block,
    Follow,
    Invitation,
    Language,
    Membership,
    Neighbour,
    Organisation,
    normalise_email,
)
from neighbours.selectors import check_is_admin

_VERIFY_SALT = "neighbours.email-verification"


class InvalidCredentials(Exception):
    """The e-mail address and password do not match an active account (deliberately not saying which).

    ``locked_minutes`` is set while the account is locked after too many wrong passwords; ``suspended_until``
    when the password was right but a moderator has suspended the account.
    """

    def __init__(self, *, locked_minutes=None, suspended_until=None):
        super().__init__()
        self.locked_minutes = locked_minutes
        self.suspended_until = suspended_until

    @property
    def message(self):
        if self.suspended_until is not None:
            return _("A moderator has suspended your account until %(date)s.") % {
                "date": formats.date_format(timezone.localtime(self.suspended_until), "DATE_FORMAT")
            }
        text = _("The e-mail address or the password is not correct.")
        if self.locked_minutes:
            text += " " + ngettext(
                "Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.", self.locked_minutes
            ) % {"minutes": self.locked_minutes}
        return text


class InvalidVerificationLink(Exception):
    """The verification link is malformed, expired, or for an address the account no longer has."""


def _send_templated_mail(*, to, template, context, language):
    """Renders ``neighbours/email/<template>_subject.txt`` and ``..._body.txt`` in the recipient's language."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"neighbours/email/{template}_subject.txt", context).split())
        body = render_to_string(f"neighbours/email/{template}_body.txt", context)
    send_mail(subject, body, None, [to])


def email_verification_token(neighbour):
    return signing.TimestampSigner(salt=_VERIFY_SALT).sign(f"{neighbour.pk}:{neighbour.email}")


def neighbour_register(*, email, password, display_name, language=Language.NB, base_url):
    """Creates an account, or – when the address already has one – tells that address's owner instead.

    Both outcomes look the same to the caller, so registration cannot be used to find out who has an account.
    Raises ``django.core.exceptions.ValidationError`` for a password the validators reject. Returns the new
    neighbour, or ``None`` when the address was taken.
    """
    email = normalise_email(email)
    candidate = Neighbour(email=email, display_name=display_name, language=language)
    validate_password(password, user=candidate)
    with transaction.atomic():
        existing = Neighbour.objects.filter(email=email).first()
        if existing is None:
            try:
                with transaction.atomic():
                    neighbour = Neighbour.objects.create_user(
                        email, password, display_name=display_name, language=language
                    )
            except IntegrityError:  # the same address registered a moment ago, concurrently
                existing = Neighbour.objects.get(email=email)
            else:
                transaction.on_commit(lambda: _send_welcome(neighbour, base_url))
                return neighbour
        # Hash anyway, so that a taken address answers about as fast as a free one.
        make_password(password)
        transaction.on_commit(lambda: _send_already_registered(existing, base_url))
        return None


def _send_welcome(neighbour, base_url):
    _send_templated_mail(
        to=neighbour.email,
        template="welcome",
        context={
            "neighbour": neighbour,
            "verify_url": base_url + reverse("frontend:verify_email", args=[email_verification_token(neighbour)]),
            "verification_required": settings.DUGNAD_REQUIRE_EMAIL_VERIFICATION,
        },
        language=neighbour.language,
    )


def _send_already_registered(neighbour, base_url):
    _send_templated_mail(
        to=neighbour.email,
        template="already_registered",
        context={
            "neighbour": neighbour,
            "login_url": base_url + reverse("frontend:login"),
            "reset_url": base_url + reverse("frontend:password_reset"),
        },
        language=neighbour.language,
    )


@transaction.atomic
def neighbour_verify_email(*, token):
    """Marks the address in a verification link as confirmed; returns the neighbour."""
    try:
        value = signing.TimestampSigner(salt=_VERIFY_SALT).unsign(
            token, max_age=settings.DUGNAD_EMAIL_VERIFICATION_MAX_AGE
        )
        pk, email = value.split(":", 1)
        neighbour = Neighbour.objects.select_for_update().get(pk=int(pk), email=email, is_active=True)
    except (signing.BadSignature, ValueError, Neighbour.DoesNotExist):
        raise InvalidVerificationLink from None
    if neighbour.email_verified_at is None:
        neighbour.email_verified_at = timezone.now()
        neighbour.save(update_fields=["email_verified_at"])
    return neighbour


def neighbour_update_profile(*, neighbour, home_address=None, interests=None, **changes):
    """Applies profile changes (display_name, language, bio, reach_km, home, notify_frequency; ``interests`` is the
    full set of categories). ``home=None`` forgets the home.

    ``home_address`` sets the home to where the address is geocoded (looked up before any row is locked). The
    approximate home is always derived from the exact one here, so the two never disagree. Raises
    ``ValidationError`` (by field) for an address that cannot be found or values the model refuses.
    """
    allowed = {"display_name", "language", "bio", "reach_km", "home", "notify_frequency"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    if home_address is not None:
        found = geocode(home_address)
        if found is None:
            raise ValidationError(
                {"home_address": [_("We could not find this address. Check the spelling.")]}
            )
        changes["home"] = found.point
    with transaction.atomic():
        neighbour = Neighbour.objects.select_for_update().get(pk=neighbour.pk)
        for field, value in changes.items():
            setattr(neighbour, field, value)
        if "home" in changes:
            neighbour.home_approx = approximate_point(neighbour.home)
        neighbour.full_clean(exclude=["password"])
        neighbour.save(update_fields=[*changes, *(["home_approx"] if "home" in changes else [])])
        if interests is not None:
            neighbour.interests.set(interests)
    return neighbour


def _lockout_keys(email):
    digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]
    return f"login-failures:{digest}", f"login-locked:{digest}"


def _locked_minutes(lock_key):
    """Whole minutes left of a lock-out (at least 1), or None when the account is not locked."""
    until = cache.get(lock_key)
    if until is None or until <= time.time():
        return None
    return max(1, math.ceil((until - time.time()) / 60))


def neighbour_authenticate(*, email, password, request=None):
    """The active, not suspended neighbour with these credentials. Raises InvalidCredentials otherwise.

    After ``DUGNAD_LOGIN_LOCKOUT_FAILURES`` wrong passwords for one address within
    ``DUGNAD_LOGIN_LOCKOUT_MINUTES``, that address is locked for as many minutes (whether or not it has an account,
    so that the lock-out does not reveal who has one) and the owner, if any, is told by e-mail. While locked, even
    the right password is refused with the same words plus how long to wait. Counts live in the shared cache.
    """
    email = normalise_email(email)
    failures_key, lock_key = _lockout_keys(email)
    minutes = _locked_minutes(lock_key)
    if minutes is not None:
        raise InvalidCredentials(locked_minutes=minutes)
    neighbour = authenticate(request, username=email, password=password)
    if neighbour is None:
        _count_failure(email=email, failures_key=failures_key, lock_key=lock_key, request=request)
        raise InvalidCredentials
    cache.delete(failures_key)
    if neighbour.is_suspended():
        raise InvalidCredentials(suspended_until=neighbour.suspended_until)
    return neighbour


def _count_failure(*, email, failures_key, lock_key, request):
    window = settings.DUGNAD_LOGIN_LOCKOUT_MINUTES * 60
    cache.add(failures_key, 0, timeout=window)
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # expired between add() and incr()
        cache.add(failures_key, 1, timeout=window)
        failures = 1
    if failures < settings.DUGNAD_LOGIN_LOCKOUT_FAILURES:
        return
    cache.set(lock_key, time.time() + window, timeout=window)
    cache.delete(failures_key)
    owner = Neighbour.objects.filter(email=email, is_active=True).first()
    if owner is not None:
        base_url = request.build_absolute_uri("/").rstrip("/") if request is not None else ""
        _send_templated_mail(
            to=owner.email, template="login_locked", language=owner.language,
            context={"neighbour": owner, "minutes": settings.DUGNAD_LOGIN_LOCKOUT_MINUTES,
                     "reset_url": base_url + reverse("frontend:password_reset")},
        )


def token_obtain(*, email, password, request=None):
    """The API token for these credentials, created on first use. Raises InvalidCredentials."""
    neighbour = neighbour_authenticate(email=email, password=password, request=request)
    token, _created = Token.objects.get_or_create(user=neighbour)
    return token


def token_revoke(*, neighbour):
    """Logs every API client of this neighbour out."""
    Token.objects.filter(user=neighbour).delete()


@transaction.atomic
def organisation_create(*, created_by, name, kind, description="", location=None, service_radius_km=10,
                        is_professional=False):
    """Creates an organisation with its creator as its first admin."""
    organisation = Organisation(
        name=name, kind=kind, description=description, location=location, service_radius_km=service_radius_km,
        is_professional=is_professional,
    )
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(organisation=organisation, neighbour=created_by, role=Membership.Role.ADMIN)
    return organisation


@transaction.atomic
def membership_add(*, organisation, neighbour, role):
    """Adds a neighbour to an organisation, or changes their role if they are already a member.

    For set-up code (the demo, tests) that has already decided; people join through invitations.
    """
    membership, _created = Membership.objects.update_or_create(
        organisation=organisation, neighbour=neighbour, defaults={"role": role}
    )
    return membership


class OrganisationConflict(APIException):
    """The organisation or invitation is not in a state that allows this (HTTP 409): the change would leave it
    without an admin, it still has things going on, or the invitation can no longer be used.

    The counterpart of ``requests.services.Conflict``, defined here because neighbours/ sits below requests/.
    """

    status_code = 409
    default_code = "conflict"


def _lock_organisation(organisation):
    """Locks the organisation's row. Every change to who its admins are takes this lock first, so that two
    concurrent changes (two admins stepping down at once) are decided one after the other and the second sees that
    it would remove the last admin."""
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _check_keeps_an_admin(*, organisation, losing):
    """Raises ValidationError if ``losing`` (a membership) is the organisation's only admin. Call while holding the
    organisation's row lock."""
    if losing.role != Membership.Role.ADMIN:
        return
    others = Membership.objects.filter(organisation=organisation, role=Membership.Role.ADMIN).exclude(pk=losing.pk)
    if not others.exists():
        raise OrganisationConflict(_(
            "An organisation needs at least one administrator. Make someone else administrator first."
        ))


def _membership_locked(*, organisation, neighbour_id):
    try:
        return Membership.objects.select_for_update().get(organisation=organisation, neighbour_id=neighbour_id)
    except Membership.DoesNotExist:
        raise ValidationError({"neighbour": [_("This person is not a member of the organisation.")]}) from None


@transaction.atomic
def organisation_update(*, organisation, by, **changes):
    """An admin changes the organisation's profile (name, kind, description, location, service_radius_km,
    is_professional). Raises PermissionDenied or ValidationError by field."""
    allowed = {"name", "kind", "description", "location", "service_radius_km", "is_professional"}
    if set(changes) - allowed:
        raise TypeError(f"not organisation fields: {sorted(set(changes) - allowed)}")
    organisation = _lock_organisation(organisation)
    check_is_admin(neighbour=by, organisation=organisation)
    for field, value in changes.items():
        setattr(organisation, field, value)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def membership_set_role(*, organisation, neighbour_id, role, by):
    """An admin changes a member's role. The last admin cannot be demoted (not even by themselves).

    Raises PermissionDenied (not an admin), ValidationError (not a member, unknown role) or OrganisationConflict
    (the last admin).
    """
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose administrator, coordinator or member.")]})
    organisation = _lock_organisation(organisation)
    check_is_admin(neighbour=by, organisation=organisation)
    membership = _membership_locked(organisation=organisation, neighbour_id=neighbour_id)
    if membership.role == role:
        return membership
    if role != Membership.Role.ADMIN:
        _check_keeps_an_admin(organisation=organisation, losing=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, organisation, neighbour_id, by):
    """Removes a member: an admin removes anyone, anyone may leave. The last admin can neither leave nor be removed.

    Raises PermissionDenied, ValidationError (not a member) or OrganisationConflict (the last admin).
    """
    organisation = _lock_organisation(organisation)
    if by.pk != neighbour_id:
        check_is_admin(neighbour=by, organisation=organisation)
    membership = _membership_locked(organisation=organisation, neighbour_id=neighbour_id)
    _check_keeps_an_admin(organisation=organisation, losing=membership)
    membership.delete()


@transaction.atomic
def admin_transfer(*, organisation, by, to_neighbour_id, step_down=False):
    """An admin makes another member admin, and with ``step_down`` becomes a coordinator themselves.

    Raises PermissionDenied (``by`` not an admin) or ValidationError (the other person is not a member, or is
    ``by``). Returns the new admin's membership.
    """
    organisation = _lock_organisation(organisation)
    check_is_admin(neighbour=by, organisation=organisation)
    if to_neighbour_id == by.pk:
        raise ValidationError({"neighbour": [_("Choose another member.")]})
    membership = _membership_locked(organisation=organisation, neighbour_id=to_neighbour_id)
    membership.role = Membership.Role.ADMIN
    membership.save(update_fields=["role"])
    if step_down:
        Membership.objects.filter(organisation=organisation, neighbour=by).update(role=Membership.Role.COORDINATOR)
    return membership


@transaction.atomic
def organisation_delete(*, organisation, by):
    """An admin deletes the organisation, with its memberships, follows and invitations.

    Refused (OrganisationConflict, 409) while it still has anything going on or anything other people took part in:
    open or matched requests, active or paused offers, answers to its requests, asks for its offers, its own answers,
    agreements (their threads and dates belong to other people too).
    """
    organisation = _lock_organisation(organisation)
    check_is_admin(neighbour=by, organisation=organisation)
    # Reverse relations only: neighbours/ does not import the apps above it.
    busy = (
        organisation.help_requests.filter(status__in=["open", "matched"]).exists()
        or organisation.help_offers.filter(status__in=["active", "paused"]).exists()
        or organisation.help_requests.filter(responses__isnull=False).exists()
        or organisation.help_offers.filter(asks__isnull=False).exists()
        or organisation.responses.exists()
        or organisation.agreements.exists()
    )
    if busy:
        raise OrganisationConflict(_(
            "This organisation still has open requests, active offers or agreements. Close them first."
        ))
    try:
        with transaction.atomic():
            organisation.delete()
    except ProtectedError:
        raise OrganisationConflict(
            _("This organisation still has things that others depend on. Close them first.")
        ) from None


def _new_token():
    return secrets.token_urlsafe(32)


def _invitation_expiry(now):
    return now + timedelta(days=settings.DUGNAD_INVITATION_DAYS)


@transaction.atomic
def invitation_create(*, organisation, by, email, role=Membership.Role.MEMBER, base_url):
    """An admin invites someone by e-mail to join with ``role``: a single-use link, sent (after commit) in the
    invitee's language when they have an account, else the site's language. Raises PermissionDenied or
    ValidationError."""
    check_is_admin(neighbour=by, organisation=organisation)
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose administrator, coordinator or member.")]})
    email = normalise_email(email)
    if not email:
        raise ValidationError({"email": [_("Give an e-mail address.")]})
    now = timezone.now()
    invitation = Invitation(
        organisation=organisation, role=role, email=email, token=_new_token(), invited_by=by, created_at=now,
        expires_at=_invitation_expiry(now),
    )
    invitation.full_clean()
    invitation.save()
    transaction.on_commit(lambda: _send_invitation(invitation, base_url))
    return invitation


def invitation_language(email):
    """The language of an invitation e-mail: the invitee's, when the address has an account, else the site's."""
    invitee = Neighbour.objects.filter(email=normalise_email(email), is_active=True).first()
    return invitee.language if invitee else settings.LANGUAGE_CODE


def _send_invitation(invitation, base_url):
    _send_templated_mail(
        to=invitation.email,
        template="invitation",
        context={
            "invitation": invitation,
            "organisation": invitation.organisation,
            "role": invitation.get_role_display(),
            "invited_by": invitation.invited_by.display_name if invitation.invited_by else "",
            "url": base_url + reverse("frontend:invitation_accept", args=[invitation.token]),
            "days": settings.DUGNAD_INVITATION_DAYS,
        },
        language=invitation_language(invitation.email),
    )


@transaction.atomic
def invitation_link_create(*, organisation, by):
    """The organisation's reusable join link (``member`` role), created if there is no usable one. An admin who
    wants a fresh link revokes the old one first. Raises PermissionDenied."""
    organisation = _lock_organisation(organisation)
    check_is_admin(neighbour=by, organisation=organisation)
    now = timezone.now()
    existing = Invitation.objects.filter(
        organisation=organisation, email="", revoked_at__isnull=True, expires_at__gt=now
    ).first()
    if existing is not None:
        return existing
    return Invitation.objects.create(
        organisation=organisation, role=Membership.Role.MEMBER, email="", token=_new_token(), invited_by=by,
        created_at=now, expires_at=_invitation_expiry(now),
    )


@transaction.atomic
def invitation_revoke(*, invitation, by):
    """An admin revokes an invitation; revoking twice is the same as once. Raises PermissionDenied."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    check_is_admin(neighbour=by, organisation=invitation.organisation)
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


class InvitationUnusable(OrganisationConflict):
    """The invitation was revoked, has expired or (sent by e-mail) was used by someone else."""


@transaction.atomic
def invitation_accept(*, invitation, neighbour):
    """``neighbour`` joins the organisation with the invitation's role; an existing higher role is kept.

    Accepting again is harmless and returns the same membership. Raises InvitationUnusable with a message for the
    person (revoked, expired, or an e-mail invitation already used by someone else).
    """
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    if not invitation.is_link and invitation.accepted_by_id == neighbour.pk:
        return Membership.objects.get_or_create(
            organisation=invitation.organisation, neighbour=neighbour, defaults={"role": invitation.role}
        )[0]
    if invitation.revoked_at is not None:
        raise InvitationUnusable(_("This invitation has been withdrawn. Ask the organisation for a new one."))
    if invitation.is_expired():
        raise InvitationUnusable(_("This invitation has expired. Ask the organisation for a new one."))
    if not invitation.is_link and invitation.accepted_at is not None:
        raise InvitationUnusable(_("This invitation has already been used."))
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation, neighbour=neighbour, defaults={"role": invitation.role}
    )
    if not created and ROLE_RANK[invitation.role] > ROLE_RANK[membership.role]:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    if not invitation.is_link:
        invitation.accepted_by = neighbour
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
    return membership


def follow_create(*, neighbour, organisation):
    """``neighbour`` follows ``organisation`` (following twice is the same as once). Returns (follow, created)."""
    return Follow.objects.get_or_create(neighbour=neighbour, organisation=organisation)


def follow_delete(*, neighbour, organisation):
    """Stops following; returns whether there was a follow."""
    deleted, _details = Follow.objects.filter(neighbour=neighbour, organisation=organisation).delete()
    return deleted > 0


def block_create(*, blocker, blocked):
    """``blocker`` blocks ``blocked`` (blocking twice is the same as once). Returns the block."""
    if blocker.pk == blocked.pk:
        raise ValidationError({"neighbour": _("You cannot block yourself.")})
    block, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    return block


def block_delete(*, blocker, blocked_id):
    """Lifts a block; returns whether there was one."""
    deleted, _details = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    return deleted > 0
