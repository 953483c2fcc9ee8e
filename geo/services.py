"""Geocoding: the local gazetteer first, then (when configured) a Nominatim-compatible service through geopy."""

import csv
import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point
from django.contrib.postgres.search import TrigramSimilarity
from django.core.cache import cache
from django.db import transaction

from geo.models import Place

logger = logging.getLogger(__name__)

# Below this trigram similarity a gazetteer entry is not taken as the place asked for.
MIN_SIMILARITY = 0.3
_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class GeocodeResult:
    point: Point
    label: str
    source: str  # "gazetteer" or "nominatim"


def _gazetteer_lookup(query):
    place = (
        Place.objects.filter(search_text__trigram_similar=query.lower())
        .annotate(similarity=TrigramSimilarity("search_text", query.lower()))
        .filter(similarity__gte=MIN_SIMILARITY)
        .order_by("-similarity", "name")
        .first()
    )
    if place is None:
        return None
    return GeocodeResult(point=place.point, label=place.label, source="gazetteer")


def _nominatim():
    """A geopy Nominatim client for ``settings.DUGNAD_GEOCODER_URL``, or None when none is configured."""
    url = settings.DUGNAD_GEOCODER_URL
    if not url:
        return None
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


def _nominatim_lookup(query):
    client = _nominatim()
    if client is None:
        return None
    from geopy.exc import GeopyError

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


def geocode(query):
    """The best point for a free-text address or place name, or None. Results are cached (misses briefly)."""
    query = " ".join((query or "").split())
    if not query:
        return None
    cache_key = "geocode:" + hashlib.sha256(query.lower().encode()).hexdigest()
    cached = cache.get(cache_key)
    if cached is not None:
        if cached == "miss":
            return None
        lon, lat, label, source = cached
        return GeocodeResult(point=Point(lon, lat, srid=4326), label=label, source=source)
    result = _gazetteer_lookup(query) or _nominatim_lookup(query)
    if result is None:
        cache.set(cache_key, "miss", 300)
        return None
    cache.set(cache_key, (result.point.x, result.point.y, result.label, result.source), _CACHE_SECONDS)
    return result


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
