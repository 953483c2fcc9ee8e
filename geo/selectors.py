"""Spatial query helpers shared by the apps that store points (requests, offers, neighbours).

Every distance is geodesic: the columns are PostGIS ``geography``, so ``ST_DWithin`` and ``ST_Distance`` work in
metres on the spheroid, and the radius filter uses the column's GiST index.
"""

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D


def within(queryset, *, field, point, radius_km):
    """Rows whose ``field`` lies within ``radius_km`` of ``point``, annotated with ``distance`` (a Distance)."""
    return queryset.filter(**{f"{field}__dwithin": (point, D(km=radius_km))}).annotate(
        distance=Distance(field, point)
    )


def rounded_km(distance):
    """A distance as shown to people: kilometres to one decimal, so exact positions cannot be derived from it."""
    return None if distance is None else round(distance.m / 1000, 1)
