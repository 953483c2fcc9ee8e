"""The OpenAPI schema's error answers, declared once for every operation instead of on each view.

DRF answers every failure in one of two shapes (config.api.exception_handler): ``{"detail": "…"}``, or for 400 an
object of field errors (``{"title": ["…"], "location": {"lat": ["…"]}}``). Which failures an operation can give
follows from the view: its authenticators (401, 403), its method and input (400, 409, 415), its throttles (429).
Every operation can give 404 (an object the caller may not see does not exist; an unknown ``?format=``) and 503 (the
database is unreachable, config.middleware).
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Field errors: each key a field (or ``non_field_errors``), each value a list of messages, or the errors of a nested
# object; a malformed body gives ``{"detail": "…"}`` instead.
_FIELD_ERRORS = {"type": "object", "additionalProperties": {}}

# What ``?format=geojson`` (geo.renderers.feature_collection) answers on a list: approximate points only.
_FEATURE_COLLECTION = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "integer"},
                    "geometry": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                            "maxItems": 2},
                        },
                        "required": ["type", "coordinates"],
                    },
                    "properties": {"type": "object", "additionalProperties": {}},
                },
                "required": ["type", "id", "geometry", "properties"],
            },
        },
        "next": {"type": "string", "format": "uri"},
    },
    "required": ["type", "features"],
}

_DESCRIPTIONS = {
    "400": "Invalid input: the errors by field (or a detail message for a malformed body).",
    "401": "Not authenticated, or the token is not valid.",
    "403": "Not allowed (no role for this, e-mail not verified, or a missing CSRF token with a session).",
    "404": "Not found, or not visible to you.",
    "409": "The object is not in a state that allows this.",
    "415": "The body is not JSON.",
    "429": "Too many attempts: try again after Retry-After seconds.",
    "503": "The service is temporarily unavailable: try again after Retry-After seconds.",
}


class DugnadAutoSchema(AutoSchema):
    def _error_codes(self):
        codes = {"404", "503"}
        has_body = self.method in {"POST", "PUT", "PATCH"} and self._get_request_body() is not None
        has_query = any(parameter.get("in") == "query" for parameter in self._get_parameters())
        if self.method in _UNSAFE or has_query:
            codes.add("400")
        if has_body:
            codes.add("415")
        if self.view.get_authenticators():
            codes |= {"401", "403"}
            if self.method in _UNSAFE:
                codes.add("409")
        if self.view.get_throttles():
            codes.add("429")
        return codes

    def _component_ref(self, name, schema):
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        listed = responses.get("200", {}).get("content", {})
        if self.method == "GET" and "application/geo+json" in listed:
            listed["application/geo+json"] = {"schema": self._component_ref("FeatureCollection", _FEATURE_COLLECTION)}
            if self.path.endswith("/geojson/"):  # (the path fixes the format: it never answers plain JSON)
                del listed["application/json"]
        media_types = self.map_renderers("media_type")
        for code in sorted(self._error_codes() | {code for code in responses if code in _DESCRIPTIONS}):
            schema = (self._component_ref("FieldErrors", _FIELD_ERRORS) if code == "400"
                      else self._component_ref("ErrorDetail", _DETAIL))
            response = responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
            response.setdefault("content", {media_type: {"schema": schema} for media_type in media_types})
        return responses
