from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self):
        # Export, erasure and retention (neighbours.data) learn about this app's models from here: neighbours/
        # sits below chat/ and cannot import it.
        from chat import data
        from neighbours.data import register

        register("chat", export=data.export, erase=data.erase, purge=data.purge, order=30)
