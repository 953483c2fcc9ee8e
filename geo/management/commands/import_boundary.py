from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from geo.services import ServiceAreaImportError, service_area_import


class Command(BaseCommand):
    help = (
        "Make the municipality's boundary the service area, from a GeoJSON file of polygons. "
        "It replaces the previous boundary; posts outside it are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="GeoJSON FeatureCollection, Feature or geometry: Polygons or MultiPolygons in WGS 84"
        )
        parser.add_argument(
            "--name", help="the area's name (default: the first feature's 'name' property, else the file's name)"
        )

    def handle(self, *args, file, name=None, **options):
        try:
            area = service_area_import(path=file, name=name)
        except (OSError, ServiceAreaImportError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        count = len(area.boundary)
        self.stdout.write(
            ngettext(
                'Service area "%(name)s" imported (%(count)d polygon); it replaces any previous one.',
                'Service area "%(name)s" imported (%(count)d polygons); it replaces any previous one.',
                count,
            )
            % {"name": area.name, "count": count}
        )
