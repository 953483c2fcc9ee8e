"""Weekly availability: ``{"mon": [["09:00", "12:00"]], "sat": [["10:00", "16:00"]]}``; empty = by arrangement."""

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def check_availability(value):
    """Raises ValidationError on ``availability`` unless ``value`` has the shape above, each slot start < end."""
    error = ValidationError(
        {"availability": [_('Give times per weekday, e.g. {"mon": [["09:00", "12:00"]]}, each start before its end.')]}
    )
    if not isinstance(value, dict) or set(value) - set(DAYS):
        raise error
    for slots in value.values():
        if not isinstance(slots, list) or len(slots) > 6:
            raise error
        for slot in slots:
            if (
                not isinstance(slot, list) or len(slot) != 2
                or not all(isinstance(t, str) and _TIME.match(t) for t in slot) or slot[0] >= slot[1]
            ):
                raise error


def covers(availability, moment):
    """Whether ``moment`` (aware) falls in a slot; an empty availability means "by arrangement", which fits."""
    if not availability:
        return True
    local = timezone.localtime(moment)
    day = DAYS[local.weekday()]
    at = time(local.hour, local.minute)
    return any(time.fromisoformat(start) <= at < time.fromisoformat(end) for start, end in availability.get(day, []))
