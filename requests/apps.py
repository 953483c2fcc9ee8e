from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "requests"
    verbose_name = _("Help requests")

    def ready(self):
        # This package shadows the PyPI `requests` library. DRF probes for that library with `import requests`,
        # gets this package, and then fails (APIClient, drf-spectacular) looking for `requests.packages`. Tell DRF
        # the library is absent, which it is.
        from rest_framework import compat

        compat.requests = None

        # Export, erasure and retention (neighbours.data) learn about this app's models from here: neighbours/
        # sits below requests/ and cannot import it.
        from neighbours.data import register
        from requests import data

        register("requests", export=data.export, erase=data.erase, purge=data.purge, order=20)
