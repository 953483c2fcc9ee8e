"""Location privacy: the public stand-in for an exact point.

Everyone but a point's owner (and the other party of an agreement) sees the centre of the grid cell the point falls
in. The grid is fixed, so the same home always maps to the same public point: a fresh random offset per post would
average out over many posts and give the home away.
"""

import math

from django.contrib.gis.geos import Point

# Cells are about this many metres on each side.
GRID_METRES = 250
_METRES_PER_DEGREE_LATITUDE = 111_320.0
_LAT_STEP = GRID_METRES / _METRES_PER_DEGREE_LATITUDE


def approximate_point(point):
    """The centre of the ~250 m grid cell that holds ``point`` (WGS 84, x = longitude, y = latitude).

    Rows are bands of equal latitude; within a row the cells are as wide in degrees as 250 m is at the row's centre,
    so cells stay roughly square from 52°N to 71°N.
    """
    if point is None:
        return None
    row = math.floor(point.y / _LAT_STEP)
    lat = (row + 0.5) * _LAT_STEP
    lon_step = GRID_METRES / (_METRES_PER_DEGREE_LATITUDE * max(math.cos(math.radians(lat)), 1e-6))
    col = math.floor(point.x / lon_step)
    lon = (col + 0.5) * lon_step
    return Point(round(lon, 6), round(lat, 6), srid=4326)
