from neighbours.models import Membership


def membership_may_act(*, neighbour, organisation):
    """Whether ``neighbour`` may post or respond on behalf of ``organisation`` (its admins and coordinators)."""
    return Membership.objects.filter(
        organisation=organisation,
        neighbour=neighbour,
        role__in=[Membership.Role.ADMIN, Membership.Role.COORDINATOR],
    ).exists()
