from rest_framework.renderers import JSONRenderer


class GeoJSONRenderer(JSONRenderer):
    """``?format=geojson``: the view hands over a FeatureCollection (see geo.renderers.feature_collection)."""

    media_type = "application/geo+json"
    format = "geojson"


def feature_collection(items, *, next_url=None):
    """A FeatureCollection of serialized items, each placed at its ``location`` ({"lat", "lon"})."""
    features = []
    for item in items:
        properties = {key: value for key, value in item.items() if key != "location"}
        point = item["location"]
        features.append({
            "type": "Feature",
            "id": item["id"],
            "geometry": {"type": "Point", "coordinates": [point["lon"], point["lat"]]},
            "properties": properties,
        })
    collection = {"type": "FeatureCollection", "features": features}
    if next_url:
        collection["next"] = next_url
    return collection
