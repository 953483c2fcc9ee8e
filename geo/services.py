"""Geocoding (the local gazetteer first, then a Nominatim-compatible service through geopy) and the service area."""

import csv
import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GeometryCollection, GEOSException, GEOSGeometry, MultiPolygon, Point, WKBWriter
from django.contrib.postgres.search import TrigramSimilarity
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import gettext as _

from geo.models import Place, ServiceArea

logger = logging.getLogger(__name__)

# Below this trigram similarity a gazetteer entry is not taken as the place asked for.
MIN_SIMILARITY = 0.3
# The most candidates geocode_candidates() returns (and caches) for one query.
GEOCODE_MAX_CANDIDATES = 5
# How long a lookup may wait for a free slot of the external service before it gives up on it: a web request is
# better answered "not found" quickly than kept waiting behind a queue of other lookups.
GEOCODER_MAX_WAIT = 2.0
_SLOT_POLL_SECONDS = 0.1
_CACHE_SECONDS = 24 * 3600
_MISS_CACHE_SECONDS = 300


@dataclass(frozen=True)
class GeocodeResult:
    point: Point
    label: str
    source: str  # "gazetteer" or "nominatim"


class _GeocoderBusy(Exception):
    """The external service's rate limit left no free slot in time. Not a miss: the answer is unknown."""


def _gazetteer_lookup(query, *, limit):
    text = query.lower()
    places = (
        Place.objects.filter(search_text__trigram_similar=text)
        .annotate(similarity=TrigramSimilarity("search_text", text))
        .filter(similarity__gte=MIN_SIMILARITY)
        .order_by("-similarity", "name", "municipality")[:limit]
    )
    return [GeocodeResult(point=place.point, label=place.label, source="gazetteer") for place in places]


def _nominatim(url):
    """A geopy Nominatim client for the Nominatim-compatible service at ``url``."""
    from urllib.parse import urlparse

    from geopy.adapters import URLLibAdapter
    from geopy.geocoders import Nominatim

    parsed = urlparse(url)
    # The urllib adapter is named explicitly: geopy would otherwise try the `requests` library, which this project's
    # `requests` package shadows.
    return Nominatim(
        user_agent=settings.DUGNAD_GEOCODER_USER_AGENT,
        domain=parsed.netloc + parsed.path.rstrip("/"),
        scheme=parsed.scheme or "https",
        timeout=settings.DUGNAD_GEOCODER_TIMEOUT,
        adapter_factory=URLLibAdapter,
    )


def _geocoder_slot_take(*, url):
    """Takes the next request slot of the external service at ``url``; False when none came free in time.

    Nominatim's usage policy allows at most one request per second from the whole application, so the slot is
    shared by every process through the cache (Redis in production): ``cache.add`` creates the slot's key only when
    it is absent, and the key expires after ``settings.DUGNAD_GEOCODER_MIN_DELAY``. So at most one request starts
    per delay, with no lock to release, and a process that dies holding a slot frees it by expiry. Redis keeps
    timeouts in whole seconds, so the delay is rounded up (slower than asked, never faster). A delay of 0 or less
    switches the limit off.

    Waits up to ``GEOCODER_MAX_WAIT`` seconds, sleeping: never call it inside a database transaction, where the
    sleep would hold the transaction's locks.
    """
    min_delay = settings.DUGNAD_GEOCODER_MIN_DELAY
    if min_delay <= 0:
        return True
    key = "geocoder-slot:" + hashlib.sha256(url.rstrip("/").lower().encode()).hexdigest()[:32]
    timeout = math.ceil(min_delay)
    deadline = time.monotonic() + GEOCODER_MAX_WAIT
    while not cache.add(key, 1, timeout=timeout):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(_SLOT_POLL_SECONDS, remaining))
    return True


def _nominatim_lookup(query):
    """The external service's best answer, or None (no service configured, nothing found, or the service failed).

    Raises _GeocoderBusy when the rate limit left no slot in time.
    """
    url = settings.DUGNAD_GEOCODER_URL
    if not url:
        return None
    from geopy.exc import GeopyError

    client = _nominatim(url)
    if not _geocoder_slot_take(url=url):
        # The query itself is not logged: it is often someone's address.
        logger.warning(
            "geocoding service busy: no free request slot within %.1f s, lookup skipped", GEOCODER_MAX_WAIT
        )
        raise _GeocoderBusy
    try:
        location = client.geocode(query, exactly_one=True, language=settings.LANGUAGE_CODE)
    except GeopyError as exc:
        logger.warning("geocoding service failed for a query: %s", exc)
        return None
    if location is None:
        return None
    return GeocodeResult(
        point=Point(float(location.longitude), float(location.latitude), srid=4326),
        label=location.address,
        source="nominatim",
    )


def geocode_candidates(query, *, limit=GEOCODE_MAX_CANDIDATES):
    """Up to ``limit`` (1–GEOCODE_MAX_CANDIDATES) GeocodeResults for a free-text address or place name, best first.

    The gazetteer's matches come first and alone: entries at least MIN_SIMILARITY alike, most similar first. Only
    when it has none is the external service asked (when ``settings.DUGNAD_GEOCODER_URL`` is set), for its single
    best answer. An empty list means not found. Results are cached for a day and misses for five minutes; a lookup
    the external service's rate limit skipped is not cached, so asking again later may find the place.

    May wait up to ``GEOCODER_MAX_WAIT`` seconds for the external service: never call it inside a transaction.
    """
    if not 1 <= limit <= GEOCODE_MAX_CANDIDATES:
        raise ValueError(f"limit must be 1–{GEOCODE_MAX_CANDIDATES}, not {limit}")
    query = " ".join((query or "").split())
    if not query:
        return []
    # "v2": entries hold a list of candidates (the earlier format held a single result).
    cache_key = "geocode:v2:" + hashlib.sha256(query.lower().encode()).hexdigest()
    cached = cache.get(cache_key)
    if cached is not None:
        return [
            GeocodeResult(point=Point(lon, lat, srid=4326), label=label, source=source)
            for lon, lat, label, source in cached[:limit]
        ]
    # Always GEOCODE_MAX_CANDIDATES, so that one cache entry serves every limit.
    results = _gazetteer_lookup(query, limit=GEOCODE_MAX_CANDIDATES)
    if not results:
        try:
            found = _nominatim_lookup(query)
        except _GeocoderBusy:
            return []
        results = [found] if found is not None else []
    cache.set(
        cache_key,
        [(result.point.x, result.point.y, result.label, result.source) for result in results],
        _CACHE_SECONDS if results else _MISS_CACHE_SECONDS,
    )
    return results[:limit]


def geocode(query):
    """The best point for a free-text address or place name as a GeocodeResult, or None when not found.

    The first of ``geocode_candidates(query)``, with the same chain, caching and caveat: never call it inside a
    transaction.
    """
    candidates = geocode_candidates(query, limit=1)
    return candidates[0] if candidates else None


def _rows_from_csv(handle):
    for row in csv.DictReader(handle):
        yield {
            "name": row["name"],
            "kind": row.get("kind", ""),
            "municipality": row.get("municipality", ""),
            "lat": row["lat"],
            "lon": row["lon"],
        }


def _rows_from_geojson(handle):
    data = json.load(handle)
    for feature in data.get("features", []):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point":
            continue
        props = feature.get("properties") or {}
        lon, lat = geometry["coordinates"][:2]
        yield {
            "name": props.get("name", ""),
            "kind": props.get("kind", ""),
            "municipality": props.get("municipality", ""),
            "lat": lat,
            "lon": lon,
        }


class PlaceImportError(ValueError):
    pass


@transaction.atomic
def places_import(*, path):
    """Loads a CSV (``name,lat,lon[,kind,municipality]``) or GeoJSON file of points into the gazetteer.

    Entries are matched on (name, municipality): existing ones are updated, so importing a file again is harmless.
    Returns ``(created, updated)``. Raises PlaceImportError naming the first bad row; nothing is saved then.
    """
    reader = _rows_from_geojson if str(path).lower().endswith((".geojson", ".json")) else _rows_from_csv
    created = updated = 0
    with open(path, encoding="utf-8") as handle:
        for number, row in enumerate(reader(handle), start=1):
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
            except (TypeError, ValueError):
                raise PlaceImportError(f"entry {number}: lat/lon are not numbers") from None
            if not row["name"].strip() or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise PlaceImportError(f"entry {number}: a name and a valid lat/lon are required")
            _place, was_created = Place.objects.update_or_create(
                name=row["name"].strip(),
                municipality=row["municipality"].strip(),
                defaults={"kind": row["kind"].strip(), "point": Point(lon, lat, srid=4326)},
            )
            created += was_created
            updated += not was_created
    return created, updated


class ServiceAreaImportError(ValueError):
    """A boundary file that cannot be used; the message says why. Nothing has been saved."""


def _service_area_geometries(data):
    """The geometry objects of a parsed GeoJSON document (FeatureCollection, Feature or bare geometry), in order,
    and the first feature's ``name`` property (or None)."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ServiceAreaImportError(_("The file holds no GeoJSON object."))
    if data["type"] == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise ServiceAreaImportError(_("The feature collection is empty."))
    elif data["type"] == "Feature":
        features = [data]
    else:
        return [data], None
    geometries, name = [], None
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not geometry:
            raise ServiceAreaImportError(_("Feature %(number)d has no geometry.") % {"number": number})
        geometries.append(geometry)
        properties = feature.get("properties")
        if name is None and isinstance(properties, dict) and isinstance(properties.get("name"), str):
            name = properties["name"].strip() or None
    return geometries, name


def _polygonal(geometry, *, number):
    """A valid, non-empty, two-dimensional GEOS Polygon or MultiPolygon in WGS 84 from a GeoJSON geometry object."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if not isinstance(kind, str):
        raise ServiceAreaImportError(_("Geometry %(number)d is not a GeoJSON geometry.") % {"number": number})
    if kind not in ("Polygon", "MultiPolygon"):
        raise ServiceAreaImportError(
            _("Geometry %(number)d is a %(type)s, not an area: give Polygons or MultiPolygons.")
            % {"number": number, "type": kind}
        )
    try:
        # Only the type and coordinates are passed on: GeoJSON is WGS 84 by definition (RFC 7946), so a legacy
        # "crs" member is ignored rather than followed.
        geom = GEOSGeometry(json.dumps({"type": kind, "coordinates": geometry.get("coordinates")}))
    except (GDALException, GEOSException, TypeError, ValueError):
        raise ServiceAreaImportError(_("Geometry %(number)d is not valid GeoJSON.") % {"number": number}) from None
    if geom.empty:
        raise ServiceAreaImportError(_("Geometry %(number)d is empty.") % {"number": number})
    if geom.hasz:
        # Heights (common in surveyed boundaries) mean nothing here, and the column is two-dimensional.
        writer = WKBWriter()
        writer.outdim = 2
        geom = GEOSGeometry(writer.write(geom))
    geom.srid = 4326
    if not geom.valid:
        raise ServiceAreaImportError(
            _("Geometry %(number)d is not a valid polygon: %(reason)s.")
            % {"number": number, "reason": geom.valid_reason}
        )
    xmin, ymin, xmax, ymax = geom.extent
    # Written so that NaN coordinates fail too.
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise ServiceAreaImportError(
            _("Geometry %(number)d has coordinates outside longitude −180…180, latitude −90…90.") % {"number": number}
        )
    return geom


def _service_area_boundary_from_file(path):
    """``(boundary, name)``: the union of the file's polygons as a MultiPolygon, and the first feature's name."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except UnicodeDecodeError:
        raise ServiceAreaImportError(_("The file is not UTF-8 text.")) from None
    except json.JSONDecodeError as exc:
        raise ServiceAreaImportError(
            _("The file is not JSON (line %(line)d, column %(column)d).") % {"line": exc.lineno, "column": exc.colno}
        ) from None
    except RecursionError:
        raise ServiceAreaImportError(_("The file is nested too deeply to be GeoJSON.")) from None
    geometries, name = _service_area_geometries(data)
    parts = [_polygonal(geometry, number=number) for number, geometry in enumerate(geometries, start=1)]
    # The union, not a bare collection: the parts of a municipality (former municipalities, islands drawn
    # separately) often share edges, which would make a plain MultiPolygon of them invalid. The union is planar in
    # degrees, which at a municipality's scale is what the boundary file means.
    boundary = parts[0] if len(parts) == 1 else GeometryCollection(*parts).unary_union
    if boundary.geom_type == "Polygon":
        boundary = MultiPolygon(boundary)
    boundary.srid = 4326
    return boundary, name


def service_area_import(*, path, name=None):
    """Makes the polygons in the GeoJSON file at ``path`` the service area, replacing the previous one.

    The file holds a FeatureCollection, a Feature or a bare geometry; every geometry must be a valid Polygon or
    MultiPolygon in WGS 84 (longitude, latitude), as GeoJSON always is. Several polygons become one MultiPolygon,
    their union. ``name`` defaults to the first feature's ``name`` property, else to the file's name without its
    extension. Heights, if any, are dropped.

    There is only ever one service area: the previous one is deleted in the same transaction, under a table lock
    that makes concurrent imports wait for each other (while readers go on seeing the previous boundary until the
    commit). Returns the new ServiceArea.

    Raises ServiceAreaImportError (a ValueError) for a file that is not such GeoJSON, and OSError when it cannot be
    read; nothing has changed then. The file is parsed as JSON and the geometries built by GEOS from the parsed
    objects: GDAL never opens the file.
    """
    boundary, name_in_file = _service_area_boundary_from_file(path)
    area = ServiceArea(name=(name or "").strip() or name_in_file or Path(path).stem, boundary=boundary)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # SHARE ROW EXCLUSIVE conflicts with itself and with writes, not with reads.
            table = connection.ops.quote_name(ServiceArea._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        ServiceArea.objects.all().delete()
        try:
            area.full_clean()
        except ValidationError as exc:
            raise ServiceAreaImportError(" ".join(exc.messages)) from None
        area.save()
    return area


def check_inside_service_area(point):
    """Refuses a location outside the service area; call it before saving anything posted at ``point``.

    ``point`` is a GEOS Point in WGS 84 (srid 4326, or None taken as 4326; other srids are transformed). Returns
    None when the point lies inside or on the boundary, when no boundary has been imported (nothing is bounded
    then), and when ``point`` is None (nothing to check). Otherwise raises ``ValidationError`` on the field
    ``location``, code ``outside_service_area``. PostGIS decides, on the geography column (geodesic edges).
    """
    if point is None:
        return None
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    elif point.srid != 4326:
        point = point.transform(4326, clone=True)
    area = (
        ServiceArea.objects.annotate(inside=ExpressionWrapper(Q(boundary__covers=point), output_field=BooleanField()))
        .values_list("name", "inside")
        .first()
    )
    if area is None or area[1]:
        return None
    raise ValidationError(
        {
            "location": [
                ValidationError(
                    _("This place is outside the area Dugnad serves (%(name)s)."),
                    code="outside_service_area",
                    params={"name": area[0]},
                )
            ]
        }
    )
