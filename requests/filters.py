import django_filters
from django.utils.translation import gettext_lazy as _

from geo.filters import NearbyFilterSet
from neighbours.models import Category
from requests.models import HelpRequest


class HelpRequestFilter(NearbyFilterSet):
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", label=_("category")
    )
    status = django_filters.ChoiceFilter(choices=HelpRequest.Status.choices, label=_("status"))

    class Meta:
        model = HelpRequest
        fields = ["category", "status", "organisation"]
