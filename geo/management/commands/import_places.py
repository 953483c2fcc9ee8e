from django.core.management.base import BaseCommand, CommandError

from geo.services import PlaceImportError, places_import


class Command(BaseCommand):
    help = "Load addresses and place names into the local gazetteer from a CSV or GeoJSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with name,lat,lon[,kind,municipality] or a GeoJSON FeatureCollection")

    def handle(self, *args, file, **options):
        try:
            created, updated = places_import(path=file)
        except (OSError, KeyError, ValueError, PlaceImportError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        self.stdout.write(f"{created} places added, {updated} updated.")
