"""Every write about neighbours: registration, e-mail verification, profile, API tokens."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from geo.privacy import approximate_point
from geo.services import geocode
from neighbours.models import Block, Language, Membership, Neighbour, Organisation, normalise_email

_VERIFY_SALT = "neighbours.email-verification"


class InvalidCredentials(Exception):
    """The e-mail address and password do not match an active account (deliberately not saying which)."""


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


def token_obtain(*, email, password, request=None):
    """The API token for these credentials, created on first use. Raises InvalidCredentials."""
    neighbour = authenticate(request, username=normalise_email(email), password=password)
    if neighbour is None:
        raise InvalidCredentials
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
    """Adds a neighbour to an organisation, or changes their role if they are already a member."""
    membership, _created = Membership.objects.update_or_create(
        organisation=organisation, neighbour=neighbour, defaults={"role": role}
    )
    return membership


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
