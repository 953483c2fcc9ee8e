"""A demo neighbourhood in Ålesund: fictional residents, a football club, a mowing contractor, a seniors' association.

Running it again changes nothing. Every demo account shares one password (DUGNAD_DEMO_PASSWORD, default
"dugnad-demo"); the command refuses to run under production settings.
"""

import os
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

import geo
from geo.services import places_import
from neighbours import services
from neighbours.models import Membership, Neighbour, Organisation

RESIDENTS = [
    # email, display name, language, (lat, lon) of home, reach km
    ("kari@demo.dugnad.test", "Kari Nordmann", "nb", (62.4768, 6.1563), 3),
    ("ola@demo.dugnad.test", "Ola Hessa", "nb", (62.4652, 6.0990), 5),
    ("ingrid@demo.dugnad.test", "Ingrid Vik", "nn", (62.4612, 6.3650), 2),
    ("per@demo.dugnad.test", "Per Olsen", "nb", (62.4693, 6.1675), 10),
    ("jonas@demo.dugnad.test", "Jonas Berg", "nb", (62.4630, 6.3400), 30),
    ("anna@demo.dugnad.test", "Anna de Vries", "nl", (62.4716, 6.1530), 5),
]

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


class Command(BaseCommand):
    help = "Load the Ålesund demo neighbourhood (idempotent)."

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("load_demo does not run under production settings.")
        password = os.environ.get("DUGNAD_DEMO_PASSWORD", "dugnad-demo")
        places_created, _updated = places_import(path=Path(geo.__file__).parent / "data" / "alesund_places.csv")
        created = self._load(password)
        if created or places_created:
            self.stdout.write(
                f"Demo neighbourhood loaded: {created} new accounts and organisations, {places_created} places. "
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
        return created
