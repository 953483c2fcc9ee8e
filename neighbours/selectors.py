from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from neighbours.models import Block, Membership


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


def block_list(*, blocker):
    return Block.objects.filter(blocker=blocker).select_related("blocked").order_by("-created_at")
