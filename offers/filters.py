import django_filters
from django.utils.translation import gettext_lazy as _

from geo.filters import NearbyFilterSet
from neighbours.models import Category
from offers.models import HelpOffer


class HelpOfferFilter(NearbyFilterSet):
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", label=_("category")
    )
    status = django_filters.ChoiceFilter(choices=HelpOffer.Status.choices, label=_("status"))

    class Meta:
        model = HelpOffer
        fields = ["category", "status", "organisation"]
