from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neighbours.models import HiddenByModerator


class Thread(models.Model):
    """A private conversation between its participants, optionally about a subject (request, offer, agreement…).

    The subject is referred to generically so that chat/ depends on none of the apps whose objects it talks about.
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    # What the thread is about, in words (the request's or offer's title), kept here so lists need no joins.
    title = models.CharField(_("title"), max_length=200, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Participant", related_name="threads"
    )
    # Organisations taking part: their admins and coordinators may read and write here (they become participants
    # when they first open the thread).
    organisations = models.ManyToManyField("neighbours.Organisation", blank=True, related_name="threads")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The sequence number of the newest message. Messages take last_seq + 1 while holding this row's lock, so the
    # numbers are gap-free per thread and a client can detect any message it missed.
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    last_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A group (a session's organisers and participants) rather than a conversation between parties: a block between
    # two members does not silence either of them in it (their messages are hidden from each other instead).
    is_group = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="thread_one_per_subject"),
        ]

    def __str__(self):
        return f"Thread {self.pk}"


class Participant(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participations")
    neighbour = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations")
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    # The highest message sequence number this participant has read.
    last_read_seq = models.PositiveBigIntegerField(default=0)
    # The highest sequence number an "unread messages" e-mail has already told them about.
    emailed_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["thread", "neighbour"], name="participant_once_per_thread"),
        ]

    def __str__(self):
        return f"{self.neighbour} in {self.thread}"


class Message(HiddenByModerator):
    """One message in a thread. Never edited; ``seq`` orders a thread's messages without gaps."""

    class Kind(models.TextChoices):
        TEXT = "text", _("text")
        PROPOSAL = "proposal", _("proposal")
        SYSTEM = "system", _("system")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    # Null for system messages and for authors who have erased their account.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("message"))
    # Structured content of proposals and system messages (what the client renders as buttons, dates, …).
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Chosen by the sending client, so that a re-sent message (after a reconnect) is recognised, never stored twice.
    client_id = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["thread", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "seq"], name="message_seq_once_per_thread"),
            models.UniqueConstraint(
                fields=["thread", "author", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="message_client_id_once",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} in {self.thread}"


class Notification(models.Model):
    """Something a neighbour should hear about. Stored first, then pushed to their open connections."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    payload = models.JSONField(_("details"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return f"{self.kind} for {self.recipient}"
