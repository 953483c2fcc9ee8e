"""A demo neighbourhood in Ålesund: fictional residents, a football club, a mowing contractor, a seniors' association,
their help requests and offers, the gazetteer sample and the municipality's boundary.

Running it again changes nothing. Every demo account shares one password (DUGNAD_DEMO_PASSWORD, default
"dugnad-demo"); the command refuses to run under production settings.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

import geo
from chat.services import message_send
from geo.models import ServiceArea
from geo.services import places_import, service_area_import
from neighbours import services
from neighbours.models import Category, Membership, Neighbour, Organisation
from offers.models import HelpOffer
from offers.services import help_offer_create
from offers.sessions import session_create, signup_create, signup_create_assisted
from requests.agreements import proposal_create
from requests.models import Agreement, HelpRequest, Occurrence
from requests.services import help_request_create, response_accept, response_create

RESIDENTS = [
    # email, display name, language, (lat, lon) of home, reach km
    ("kari@demo.dugnad.test", "Kari Nordmann", "nb", (62.4768, 6.1563), 3),
    ("ola@demo.dugnad.test", "Ola Hessa", "nb", (62.4652, 6.0990), 5),
    ("ingrid@demo.dugnad.test", "Ingrid Vik", "nn", (62.4612, 6.3650), 2),
    ("per@demo.dugnad.test", "Per Olsen", "nb", (62.4693, 6.1675), 10),
    ("jonas@demo.dugnad.test", "Jonas Berg", "nb", (62.4630, 6.3400), 30),
    ("anna@demo.dugnad.test", "Anna de Vries", "nl", (62.4716, 6.1530), 5),
]

DEMO_MODERATOR = "anna@demo.dugnad.test"

ORGANISATIONS = [
    # name, kind, professional, (lat, lon), radius, description, admin e-mail, [(member e-mail, role)]
    ("Hessa Ballklubb", Organisation.Kind.CLUB, False, (62.4650, 6.0950), 5,
     "Fotball for barn og voksne på Hessa. Vi trener på Hessa kunstgras.",
     "ola@demo.dugnad.test", [("per@demo.dugnad.test", Membership.Role.MEMBER)]),
    ("Sunnmøre Plen og Park AS", Organisation.Kind.CONTRACTOR, True, (62.4630, 6.3400), 40,
     "Plenklipping og parkstell for lag, borettslag og private.",
     "jonas@demo.dugnad.test", []),
    ("Aspøy Seniorforening", Organisation.Kind.SENIORS_ASSOCIATION, False, (62.4770, 6.1580), 10,
     "Kurs og treff for seniorar: Digipost, BankID og smarttelefon.",
     "ingrid@demo.dugnad.test", [("kari@demo.dugnad.test", Membership.Role.COORDINATOR)]),
]


# Who follows which organisation (their posts show in the follower's feed wherever they are).
FOLLOWS = [
    ("kari@demo.dugnad.test", "Hessa Ballklubb"),
    ("per@demo.dugnad.test", "Aspøy Seniorforening"),
]

# author e-mail, organisation name or None, category, title, description, (lat, lon), days from now, hours, RRULE
REQUESTS = [
    ("kari@demo.dugnad.test", None, "digital", "Hjelp med Digipost",
     "Jeg får ikke åpnet brevene fra kommunen i Digipost. Kan noen vise meg hvordan?", (62.4768, 6.1563), 2, 1, ""),
    ("ola@demo.dugnad.test", "Hessa Ballklubb", "garden", "Klipping av banen før kamp",
     "Kunstgraset må børstes og gresskanten klippes hver fredag før lørdagskampen, mai–september.",
     (62.4650, 6.0950), 4, 2, "FREQ=WEEKLY;BYDAY=FR;COUNT=12"),
    ("per@demo.dugnad.test", None, "transport", "Skyss til legen på Moa",
     "Time hos fastlegen torsdag klokka 10. Trenger skyss dit og hjem.", (62.4693, 6.1675), 3, 3, ""),
    ("anna@demo.dugnad.test", None, "repairs", "Dryppende kran på kjøkkenet",
     "Kranen drypper hele natta. Har pakninger, mangler verktøy og kunnskap.", (62.4716, 6.1530), 5, 2, ""),
    ("ingrid@demo.dugnad.test", None, "company", "Turvenn til Fjellstua",
     "Eg går gjerne opp trappene til Fjellstua om nokon vil gå saman med meg i roleg tempo.",
     (62.4612, 6.3650), 6, 2, ""),
    ("kari@demo.dugnad.test", None, "pets", "Mate katten i påsken",
     "Reiser bort fire dager. Katten Pusur trenger mat morgen og kveld.", (62.4768, 6.1563), 10, 96, ""),
]

# author e-mail, organisation name or None, category, title, description, (lat, lon), radius km, availability
OFFERS = [
    ("jonas@demo.dugnad.test", "Sunnmøre Plen og Park AS", "garden", "Plenklipping for lag og borettslag",
     "Fast avtale eller enkeltoppdrag. Vi har maskiner for baner og store plener.", (62.4630, 6.3400), 40,
     {"mon": [["07:00", "16:00"]], "tue": [["07:00", "16:00"]], "wed": [["07:00", "16:00"]],
      "thu": [["07:00", "16:00"]], "fri": [["07:00", "16:00"]]}),
    ("ingrid@demo.dugnad.test", "Aspøy Seniorforening", "digital", "Digipost og BankID for nybegynnere",
     "Vi viser deg steg for steg på din egen telefon. Ta med telefonen og BankID-brikka.", (62.4770, 6.1580), 10,
     {"tue": [["14:00", "16:00"]]}),
    ("per@demo.dugnad.test", None, "lending", "Låner ut tilhenger og stige",
     "Liten tilhenger og 6 meter stige. Hentes hos meg på Nørvøy.", (62.4693, 6.1675), 8, {}),
    ("anna@demo.dugnad.test", None, "childcare", "Leksehjelp i matte og engelsk",
     "Pensjonert lærer. Hjelper gjerne barn på mellomtrinnet.", (62.4716, 6.1530), 3,
     {"wed": [["16:00", "18:00"]], "thu": [["16:00", "18:00"]]}),
]

# A pending proposal in an agreement: requester e-mail, request title, proposer e-mail, which coming date (0 = the
# next), how many days to move it, and the note.
PROPOSALS = [
    ("ola@demo.dugnad.test", "Klipping av banen før kamp", "jonas@demo.dugnad.test", 1, -1,
     "Kamp på lørdag – vi klipper dagen før i stedet"),
]

# Group sessions of the seniors' association's offer: organiser's offer title, place, residents who sign up
# themselves, the coordinator who signs up members without a device, and those members (name, phone).
SESSION_OFFER_TITLE = "Digipost og BankID for nybegynnere"
SESSION_ORGANISATION = "Aspøy Seniorforening"
SESSION_PLACE = "Aspøy bibliotek, møterom 2"
SESSION_PARTICIPANTS = ["ola@demo.dugnad.test", "per@demo.dugnad.test", "anna@demo.dugnad.test",
                        "jonas@demo.dugnad.test"]
SESSION_COORDINATOR = "kari@demo.dugnad.test"
SESSION_GUESTS = [("Solveig Aasen", "+47 912 34 501"), ("Arne Brekke", "+47 912 34 502"),
                  ("Marit Dahle", "+47 912 34 503"), ("Oddvar Hole", "+47 912 34 504"),
                  ("Reidun Lie", "+47 912 34 505"), ("Torbjørn Vik", "+47 912 34 506")]

# A conversation that is already going: requester e-mail, request title, helper e-mail, their answer, then messages
# (author e-mail, text) in the agreement's thread.
CONVERSATIONS = [
    ("ola@demo.dugnad.test", "Klipping av banen før kamp", "jonas@demo.dugnad.test",
     "Vi tar banen hver fredag morgen. Passer klokka 08?",
     [("ola@demo.dugnad.test", "Klokka 08 passer fint. Porten står åpen."),
      ("jonas@demo.dugnad.test", "Da er vi enige. Si fra om en kamp flyttes, så flytter vi klippingen.")]),
]


class Command(BaseCommand):
    help = "Load the Ålesund demo neighbourhood (idempotent)."

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("load_demo does not run under production settings.")
        password = os.environ.get("DUGNAD_DEMO_PASSWORD", "dugnad-demo")
        data = Path(geo.__file__).parent / "data"
        places_created, _updated = places_import(path=data / "alesund_places.csv")
        if not ServiceArea.objects.exists():
            service_area_import(path=data / "alesund_boundary.geojson", name="Ålesund")
        created = self._load(password)
        created += self._load_posts()
        created += self._load_conversations()
        created += self._load_proposals()
        created += self._load_sessions()
        # A community moderator (the operator grants the role in the admin), so the Moderation page can be tried.
        Neighbour.objects.filter(email=DEMO_MODERATOR).update(is_moderator=True)
        if created or places_created:
            self.stdout.write(
                f"Demo neighbourhood loaded: {created} new accounts, organisations and posts, {places_created} places. "
                f"Demo accounts log in with the password {password!r}, e.g. kari@demo.dugnad.test."
            )

    @transaction.atomic
    def _load(self, password):
        created = 0
        people = {}
        for email, name, language, (lat, lon), reach in RESIDENTS:
            neighbour = Neighbour.objects.filter(email=email).first()
            if neighbour is None:
                neighbour = Neighbour.objects.create_user(
                    email, password, display_name=name, language=language, email_verified_at=timezone.now()
                )
                services.neighbour_update_profile(
                    neighbour=neighbour, home=Point(lon, lat, srid=4326), reach_km=reach
                )
                created += 1
            people[email] = neighbour
        for name, kind, professional, (lat, lon), radius, description, admin, members in ORGANISATIONS:
            organisation = Organisation.objects.filter(name=name).first()
            if organisation is None:
                organisation = services.organisation_create(
                    created_by=people[admin], name=name, kind=kind, description=description,
                    location=Point(lon, lat, srid=4326), service_radius_km=radius, is_professional=professional,
                )
                for email, role in members:
                    services.membership_add(organisation=organisation, neighbour=people[email], role=role)
                created += 1
        for email, name in FOLLOWS:
            services.follow_create(neighbour=people[email], organisation=Organisation.objects.get(name=name))
        return created

    @transaction.atomic
    def _load_posts(self):
        created = 0
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        for email, organisation, category, title, description, (lat, lon), days, hours, rule in REQUESTS:
            author = Neighbour.objects.get(email=email)
            if HelpRequest.objects.filter(author=author, title=title).exists():
                continue
            start = now + timedelta(days=days)
            help_request_create(
                author=author, organisation=Organisation.objects.filter(name=organisation).first(),
                category=Category.objects.get(slug=category), title=title, description=description,
                location=Point(lon, lat, srid=4326), needed_from=start, needed_until=start + timedelta(hours=hours),
                recurrence=rule,
            )
            created += 1
        for email, organisation, category, title, description, (lat, lon), radius, availability in OFFERS:
            author = Neighbour.objects.get(email=email)
            if HelpOffer.objects.filter(author=author, title=title).exists():
                continue
            help_offer_create(
                author=author, organisation=Organisation.objects.filter(name=organisation).first(),
                category=Category.objects.get(slug=category), title=title, description=description,
                location=Point(lon, lat, srid=4326), radius_km=radius, availability=availability,
            )
            created += 1
        return created

    @transaction.atomic
    def _load_conversations(self):
        created = 0
        for requester, title, helper_email, answer, messages in CONVERSATIONS:
            help_request = HelpRequest.objects.get(author__email=requester, title=title)
            helper = Neighbour.objects.get(email=helper_email)
            if help_request.responses.filter(responder=helper).exists():
                continue
            response = response_create(help_request=help_request, responder=helper, message=answer)
            agreement = response_accept(response=response, by=help_request.author)
            for email, body in messages:
                message_send(thread_id=agreement.thread_id, author=Neighbour.objects.get(email=email), body=body)
            created += 1
        return created

    @transaction.atomic
    def _load_proposals(self):
        created = 0
        now = timezone.now()
        for requester, title, proposer_email, index, days, note in PROPOSALS:
            agreement = Agreement.objects.filter(request__author__email=requester, request__title=title).first()
            if agreement is None or agreement.proposals.exists():
                continue
            coming = list(agreement.occurrences.filter(status=Occurrence.Status.SCHEDULED, starts_at__gt=now)
                          .order_by("starts_at")[: index + 1])
            if len(coming) <= index:
                continue
            occurrence = coming[index]
            proposal_create(
                agreement=agreement, proposed_by=Neighbour.objects.get(email=proposer_email), action="move",
                occurrence=occurrence, starts_at=occurrence.starts_at + timedelta(days=days), note=note,
            )
            created += 1
        return created

    def _load_sessions(self):
        """Two Tuesday sessions of the seniors' association's Digital Post course, 14:00, 12 seats; the first one
        nearly full (residents and members signed up by their coordinator, who have no device)."""
        offer = HelpOffer.objects.filter(title=SESSION_OFFER_TITLE, organisation__name=SESSION_ORGANISATION).first()
        if offer is None or offer.sessions.exists():
            return 0
        organiser = offer.author
        today = timezone.localtime()
        days = (1 - today.weekday()) % 7 or 7  # the next Tuesday (Monday is 0)
        sessions = []
        for week in range(2):
            starts_at = (today + timedelta(days=days + 7 * week)).replace(hour=14, minute=0, second=0, microsecond=0)
            sessions.append(session_create(
                offer=offer, by=organiser, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), capacity=12,
                place=SESSION_PLACE,
            ))
        for email in SESSION_PARTICIPANTS:
            signup_create(session=sessions[0], neighbour=Neighbour.objects.get(email=email))
        coordinator = Neighbour.objects.get(email=SESSION_COORDINATOR)
        organisation = offer.organisation
        for name, phone in SESSION_GUESTS:
            signup_create_assisted(session=sessions[0], by=coordinator, organisation=organisation, name=name,
                                   phone=phone)
        return len(sessions)
