import pytest
from django.contrib.gis.geos import Point
from geopy.distance import geodesic

from geo.privacy import GRID_METRES, approximate_point


def metres(a, b):
    return geodesic((a.y, a.x), (b.y, b.x)).meters


@pytest.mark.parametrize(("lat", "lon"), [(52.37, 4.89), (62.4722, 6.1495), (69.65, 18.96), (70.66, 23.68)])
def test_approximate_point_is_within_one_cell_of_the_exact_point_at_any_nordic_latitude(lat, lon):
    exact = Point(lon, lat, srid=4326)

    approx = approximate_point(exact)

    # Never further than half the cell's diagonal, and not the exact point itself.
    assert 0 < metres(exact, approx) <= GRID_METRES * 0.75


def test_points_in_the_same_cell_share_one_stable_approximation():
    a = approximate_point(Point(6.15000, 62.47000, srid=4326))
    b = approximate_point(Point(6.15001, 62.47001, srid=4326))

    assert a == b
    assert approximate_point(Point(6.15, 62.47, srid=4326)) == a


def test_cells_are_about_250_metres_wide_in_both_directions_at_70_degrees_north():
    origin = approximate_point(Point(23.68, 70.66, srid=4326))
    east = approximate_point(Point(23.68 + 0.0066, 70.66, srid=4326))
    north = approximate_point(Point(23.68, 70.66 + 0.00225, srid=4326))

    assert 200 < metres(origin, east) < 300
    assert 200 < metres(origin, north) < 300


def test_no_point_gives_no_approximation():
    assert approximate_point(None) is None
