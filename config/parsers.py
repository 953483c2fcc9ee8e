"""The API's JSON parser."""

import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

# The escapes of what no text column, JSON column or log line can carry: NUL (\u0000), which PostgreSQL refuses,
# and \uD800–\uDFFF, half of a surrogate pair (or alone, text that UTF-8 cannot encode).
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _strings(value):
    """Every string in a parsed JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _unstorable(text):
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class StrictJSONParser(JSONParser):
    """DRF's JSON parser (same messages), and a 400 instead of a 500 for bodies that parse in Python but that
    nothing downstream can handle: nesting deeper than the parser's recursion limit, and strings holding NUL or a
    lone surrogate (``"\\u0000"``, ``"\\ud800"``), which no column can store and no lookup can query (a category
    slug with a NUL made PostgreSQL fail the query)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
        if _SUSPECT_ESCAPE.search(text):
            try:
                unstorable = any(_unstorable(string) for string in _strings(data))
            except RecursionError:  # (the walk goes as deep as the parser did, which may be just too deep)
                raise ParseError("JSON parse error - nested too deeply") from None
            if unstorable:
                raise ParseError("JSON parse error - a string holds NUL (\\u0000) or an unpaired surrogate")
        return data
