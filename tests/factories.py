import factory
from django.contrib.gis.geos import Point
from django.utils import timezone

from neighbours.models import Membership, Neighbour, Organisation

PASSWORD = "a long walk by the fjord"


class NeighbourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbour
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"neighbour{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Neighbour {n}")
    language = "en"
    email_verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.CLUB
    location = factory.LazyFunction(lambda: Point(6.15, 62.47, srid=4326))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    neighbour = factory.SubFactory(NeighbourFactory)
    role = Membership.Role.MEMBER


def point(lat, lon):
    return Point(lon, lat, srid=4326)


def help_request(*, author=None, category="garden", location=None, **fields):
    """A help request posted through the service (so its approximate point and expiry are set as in real use)."""
    from neighbours.models import Category
    from requests.services import help_request_create

    author = author or NeighbourFactory()
    return help_request_create(
        author=author, category=Category.objects.get(slug=category), title=fields.pop("title", "Mow my lawn"),
        location=location or point(62.4722, 6.1495), **fields,
    )


def help_offer(*, author=None, category="garden", location=None, radius_km=5, **fields):
    from neighbours.models import Category
    from offers.services import help_offer_create

    author = author or NeighbourFactory()
    return help_offer_create(
        author=author, category=Category.objects.get(slug=category), title=fields.pop("title", "I mow lawns"),
        location=location or point(62.4722, 6.1495), radius_km=radius_km, **fields,
    )


def chat_thread(*participants, title="Lawn mowing"):
    """A thread between ``participants`` (about an organisation: chat/ accepts any subject)."""
    from chat.services import thread_open

    return thread_open(subject=OrganisationFactory(), participants=participants, title=title)


def agreement(*, requester=None, helper=None, organisation=None, helper_organisation=None,
              recurrence="FREQ=WEEKLY;BYDAY=FR;COUNT=6", start=None, hours=2, title="Mow the pitch"):
    """An agreement made as in real use: a (repeating) request, an answer, and its acceptance. ``start`` defaults
    to two days ahead, on the hour."""
    from datetime import timedelta

    from requests.services import response_accept, response_create

    requester = requester or NeighbourFactory()
    helper = helper or NeighbourFactory()
    start = start or (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    request = help_request(
        author=requester, organisation=organisation, needed_from=start, needed_until=start + timedelta(hours=hours),
        recurrence=recurrence, notify_nearby=False, title=title,
    )
    response = response_create(help_request=request, responder=helper, message="We can do it",
                               organisation=helper_organisation)
    return response_accept(response=response, by=requester)


def seniors_association(*, coordinators=(), admins=(), **fields):
    """A seniors' association with the given coordinators and admins (neighbours)."""
    organisation = OrganisationFactory(kind=Organisation.Kind.SENIORS_ASSOCIATION, **fields)
    for neighbour in coordinators:
        MembershipFactory(organisation=organisation, neighbour=neighbour, role=Membership.Role.COORDINATOR)
    for neighbour in admins:
        MembershipFactory(organisation=organisation, neighbour=neighbour, role=Membership.Role.ADMIN)
    return organisation


def group_session(*, offer=None, by=None, capacity=10, starts_in_hours=48, hours=2, place="Library, room 2"):
    """A scheduled session of ``offer`` (default: a new digital-help offer) created through the service."""
    from datetime import timedelta

    from offers.sessions import session_create

    offer = offer or help_offer(category="digital", title="Digital Post for beginners")
    starts_at = timezone.now() + timedelta(hours=starts_in_hours)
    return session_create(
        offer=offer, by=by or offer.author, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
        capacity=capacity, place=place,
    )


def moderator(**fields):
    """A neighbour the operator made a community moderator."""
    return NeighbourFactory(is_moderator=True, display_name=fields.pop("display_name", "Moderator Mia"), **fields)


def chat_message(*, thread, author, body="Hello"):
    """A message sent through the service, as in real use."""
    from chat.services import message_send

    message, _created = message_send(thread_id=thread.pk, author=author, body=body)
    return message
