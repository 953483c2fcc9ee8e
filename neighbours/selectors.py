from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from neighbours.models import Block, Follow, Invitation, Membership, Neighbour, Organisation


def membership_may_act(*, neighbour, organisation):
    """Whether ``neighbour`` may post or respond on behalf of ``organisation`` (its admins and coordinators)."""
    return Membership.objects.filter(
        organisation=organisation,
        neighbour=neighbour,
        role__in=[Membership.Role.ADMIN, Membership.Role.COORDINATOR],
    ).exists()


def check_may_post(*, author, organisation=None):
    """Raises PermissionDenied unless ``author`` may publish (for ``organisation``, when given)."""
    if not author.may_post:
        raise PermissionDenied(_("Please confirm your e-mail address before you post."))
    if organisation is not None and not membership_may_act(neighbour=author, organisation=organisation):
        raise PermissionDenied(_("Only the organisation's administrators and coordinators may act for it."))


def check_may_manage_post(*, post, neighbour, message=None):
    """Raises PermissionDenied unless ``neighbour`` wrote ``post`` (a request or offer) or acts for its organisation."""
    if post.author_id == neighbour.pk:
        return
    if post.organisation_id and membership_may_act(neighbour=neighbour, organisation=post.organisation):
        return
    raise PermissionDenied(message or _("Only the person who posted this may change it."))


def block_exists_between(a, b):
    """Whether either of two neighbours (or their ids) has blocked the other."""
    a_id, b_id = getattr(a, "pk", a), getattr(b, "pk", b)
    return Block.objects.filter(Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)).exists()


def check_not_blocked(a, b):
    """Raises PermissionDenied if either neighbour has blocked the other; the message does not say who blocked whom."""
    if block_exists_between(a, b):
        raise PermissionDenied(_("You cannot contact this neighbour."))


def block_relations(neighbour):
    """``(ids neighbour blocked, ids who blocked neighbour)``, as two sets; empty for an anonymous visitor.

    One small query: lists hide posts by excluding these ids (``author_id__in``), which keeps their own plans (and
    the spatial index) intact, and the chat consumer keeps them per connection.
    """
    if not getattr(neighbour, "is_authenticated", False):
        return set(), set()
    i_blocked, blocked_me = set(), set()
    for blocker_id, blocked_id in Block.objects.filter(
        Q(blocker_id=neighbour.pk) | Q(blocked_id=neighbour.pk)
    ).values_list("blocker_id", "blocked_id"):
        if blocker_id == neighbour.pk:
            i_blocked.add(blocked_id)
        else:
            blocked_me.add(blocker_id)
    return i_blocked, blocked_me


def blocked_ids_either_way(neighbour):
    """The sorted ids of everyone ``neighbour`` blocked or who blocked them (usually none or a handful)."""
    i_blocked, blocked_me = block_relations(neighbour)
    return sorted(i_blocked | blocked_me)


def exclude_blocked_authors(queryset, *, viewer, field="author_id", shared=None):
    """``queryset`` without the rows whose ``field`` is someone ``viewer`` blocked or who blocked ``viewer``.

    ``shared(blocked_ids)``, when given, names the rows kept anyway (those the two already share an agreement on).
    """
    blocked = blocked_ids_either_way(viewer)
    if not blocked:
        return queryset
    hidden = Q(**{f"{field}__in": blocked})
    kept = sorted(shared(blocked)) if shared is not None else []
    if kept:
        hidden &= ~Q(pk__in=kept)
    return queryset.exclude(hidden)


def block_list(*, blocker):
    return Block.objects.filter(blocker=blocker).select_related("blocked").order_by("-created_at")


def membership_role(*, neighbour, organisation):
    """``neighbour``'s role in ``organisation`` ("admin", "coordinator", "member"), or None."""
    if not getattr(neighbour, "is_authenticated", False):
        return None
    return Membership.objects.filter(organisation=organisation, neighbour=neighbour).values_list(
        "role", flat=True
    ).first()


def check_is_admin(*, neighbour, organisation):
    """Raises PermissionDenied unless ``neighbour`` is an admin of ``organisation``."""
    if membership_role(neighbour=neighbour, organisation=organisation) != Membership.Role.ADMIN:
        raise PermissionDenied(_("Only the organisation's administrators may do this."))


def check_may_act(*, neighbour, organisation):
    """Raises PermissionDenied unless ``neighbour`` is an admin or coordinator of ``organisation``."""
    if not membership_may_act(neighbour=neighbour, organisation=organisation):
        raise PermissionDenied(_("Only the organisation's administrators and coordinators may act for it."))


def organisation_list(*, viewer, kind=None, q=None, near=None, radius_km=None):
    """Organisations (public), with ``followers_count``, ``is_following`` and ``my_role`` for ``viewer``.

    ``kind`` filters by kind, ``q`` by a part of the name, ``near`` (a point) with ``radius_km`` by distance from
    the organisation's location (then nearest first, with ``distance`` in metres).
    """
    organisations = Organisation.objects.annotate(
        followers_count=Count("follows", distinct=True),
    )
    # Hidden by a community moderator: only its members still see it (with a notice).
    if getattr(viewer, "is_authenticated", False):
        organisations = organisations.filter(
            Q(hidden_at__isnull=True) | Exists(Membership.objects.filter(organisation=OuterRef("pk"), neighbour=viewer))
        )
    else:
        organisations = organisations.filter(hidden_at__isnull=True)
    if getattr(viewer, "is_authenticated", False):
        organisations = organisations.annotate(
            is_following=Exists(Follow.objects.filter(organisation=OuterRef("pk"), neighbour=viewer)),
            my_role=Subquery(
                Membership.objects.filter(organisation=OuterRef("pk"), neighbour=viewer).values("role")[:1]
            ),
        )
    if kind:
        organisations = organisations.filter(kind=kind)
    if q:
        organisations = organisations.filter(name__icontains=q.strip())
    if near is not None:
        organisations = organisations.filter(location__dwithin=(near, D(km=radius_km or 10))).annotate(
            distance=Distance("location", near)
        ).order_by("distance", "name")
    return organisations


def organisation_get(*, viewer, pk):
    """The organisation (annotated as in ``organisation_list``), or Http404."""
    try:
        return organisation_list(viewer=viewer).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def organisations_acting_for(*, neighbour):
    """The organisations ``neighbour`` may post and respond for (admin or coordinator)."""
    return Organisation.objects.filter(
        memberships__neighbour=neighbour,
        memberships__role__in=[Membership.Role.ADMIN, Membership.Role.COORDINATOR],
    ).order_by("name")


def member_list(*, organisation, viewer):
    """Who belongs to ``organisation``, as ``viewer`` may see it.

    Members see everyone with their role. Everyone else sees only the admins and coordinators (the people who act
    for the organisation in public anyway); the total count is ``member_count``.
    """
    memberships = Membership.objects.filter(organisation=organisation, neighbour__is_active=True).select_related(
        "neighbour"
    ).order_by("role", "neighbour__display_name")
    if membership_role(neighbour=viewer, organisation=organisation) is None:
        memberships = memberships.filter(role__in=[Membership.Role.ADMIN, Membership.Role.COORDINATOR])
    return memberships


def member_count(*, organisation):
    return Membership.objects.filter(organisation=organisation, neighbour__is_active=True).count()


def follower_list(organisation):
    """Active neighbours who follow ``organisation`` (e.g. to tell them about its new sessions)."""
    return Neighbour.objects.filter(follows__organisation=organisation, is_active=True).order_by("pk")


def follow_list(*, neighbour):
    return Follow.objects.filter(neighbour=neighbour).select_related("organisation").order_by("-created_at")


def invitation_list(*, organisation, viewer):
    """An organisation's invitations that are still usable, for its admins (PermissionDenied for anyone else)."""
    check_is_admin(neighbour=viewer, organisation=organisation)
    now = timezone.now()
    return (
        Invitation.objects.filter(organisation=organisation, revoked_at__isnull=True, expires_at__gt=now)
        .filter(Q(email="") | Q(accepted_at__isnull=True))
        .select_related("invited_by")
    )


def invitation_get_by_token(*, token):
    """The invitation with this token (whatever its state), or Http404."""
    invitation = Invitation.objects.select_related("organisation").filter(token=token).first() if token else None
    if invitation is None:
        raise Http404
    return invitation


def invitation_get_for_admin(*, viewer, pk):
    """An invitation of an organisation ``viewer`` administers; Http404 for everyone else."""
    invitation = Invitation.objects.select_related("organisation").filter(pk=pk).first()
    if invitation is None or membership_role(neighbour=viewer, organisation=invitation.organisation) != "admin":
        raise Http404
    return invitation
