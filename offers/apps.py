from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Help offers")

    def ready(self):
        # Export, erasure and retention (neighbours.data) learn about this app's models from here: neighbours/
        # sits below offers/ and cannot import it.
        from neighbours.data import register
        from offers import data

        register("offers", export=data.export, erase=data.erase, purge=data.purge, order=10)
