from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    NB = "nb", _("Norwegian (bokmål)")
    NN = "nn", _("Norwegian (nynorsk)")
    DA = "da", _("Danish")
    SV = "sv", _("Swedish")
    NL = "nl", _("Dutch")
    EN = "en", _("English")


class Category(models.Model):
    """One of the fixed kinds of help (DESIGN §3). Rows are seeded by a migration; names are translated in code."""

    GARDEN = "garden"
    DIGITAL = "digital"
    ERRANDS = "errands"
    TRANSPORT = "transport"
    REPAIRS = "repairs"
    COMPANY = "company"
    LENDING = "lending"
    PETS = "pets"
    CHILDCARE = "childcare"
    OTHER = "other"

    # slug → (name, examples), in display order.
    TAXONOMY = {
        GARDEN: (_("Garden and mowing"), _("Mowing the lawn, weeding, raking leaves, clearing snow")),
        DIGITAL: (_("Digital help"), _("Digital Post, BankID or MitID, smartphones, video calls")),
        ERRANDS: (_("Shopping and errands"), _("Groceries, the pharmacy, the post office")),
        TRANSPORT: (_("Transport"), _("A ride to the doctor, moving things, airport runs")),
        REPAIRS: (_("Repairs and DIY"), _("Fixing a tap, putting up shelves, bicycle repairs")),
        COMPANY: (_("Company and visits"), _("A walk, a coffee, someone to talk to")),
        LENDING: (_("Lending"), _("Tools, a laptop, a trailer, a ladder")),
        PETS: (_("Pets"), _("Walking the dog, feeding the cat while you travel")),
        CHILDCARE: (_("Childcare"), _("Picking up from school, babysitting, homework help")),
        OTHER: (_("Other"), _("Anything else neighbours can help with")),
    }

    slug = models.SlugField(_("slug"), max_length=32, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position"]

    def __str__(self):
        return str(self.name)

    @property
    def name(self):
        return self.TAXONOMY.get(self.slug, (self.slug, ""))[0]

    @property
    def examples(self):
        return self.TAXONOMY.get(self.slug, (self.slug, ""))[1]


def normalise_email(email):
    """E-mail addresses are compared and stored in lower case, so that one person cannot hold two accounts."""
    return (email or "").strip().lower()


class NotifyFrequency(models.TextChoices):
    INSTANT = "instant", _("At once")
    DAILY = "daily", _("Once a day")
    WEEKLY = "weekly", _("Once a week")
    NEVER = "never", _("Never")


class NeighbourManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        neighbour = self.model(email=normalise_email(email), **fields)
        neighbour.set_password(password)
        # Uniqueness of the address is left to the database constraint, which also holds under concurrency.
        neighbour.full_clean(exclude=["password"], validate_unique=False)
        neighbour.save(using=self._db)
        return neighbour

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("display_name", "Operator")
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email=normalise_email(username))


class Neighbour(AbstractBaseUser, PermissionsMixin):
    """A resident using Dugnad. Logs in with their e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("name shown to others"), max_length=80)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.NB)
    bio = models.TextField(_("about me"), max_length=2000, blank=True)
    # The exact home is private to its owner; everyone else sees `home_approx` (see geo.privacy).
    home = models.PointField(_("home"), geography=True, srid=4326, null=True, blank=True)
    home_approx = models.PointField(_("approximate home"), geography=True, srid=4326, null=True, blank=True)
    reach_km = models.PositiveSmallIntegerField(
        _("how far I can help (km)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    interests = models.ManyToManyField(
        Category, verbose_name=_("kinds of help I care about"), blank=True, related_name="interested_neighbours"
    )
    notify_frequency = models.CharField(
        _("tell me about new posts nearby"), max_length=8, choices=NotifyFrequency.choices,
        default=NotifyFrequency.INSTANT,
    )
    # When the last digest of new posts nearby was sent (daily/weekly notification frequencies).
    last_digest_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Community moderation (see neighbours/moderation.py): moderators are ordinary neighbours given a queue of
    # reports by the operator; a suspended neighbour can neither log in nor post until the date passes.
    is_moderator = models.BooleanField(_("community moderator"), default=False)
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    # "Verified neighbour": a moderator or an admin of one of their organisations vouches for this person.
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )

    objects = NeighbourManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("neighbour")
        verbose_name_plural = _("neighbours")
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="neighbour_email_lower_case"),
            models.CheckConstraint(condition=Q(home__isnull=True) | Q(home_approx__isnull=False),
                                   name="neighbour_home_has_approximation"),
        ]

    def __str__(self):
        return self.display_name or self.email

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name

    @property
    def email_verified(self):
        return self.email_verified_at is not None

    @property
    def is_verified(self):
        return self.verified_at is not None

    def is_suspended(self, now=None):
        return self.suspended_until is not None and self.suspended_until > (now or timezone.now())

    def get_session_auth_hash(self):
        """Changes while the neighbour is suspended, so that a suspension ends their open web sessions (Django drops
        a session whose hash no longer matches, as after a password change)."""
        auth_hash = super().get_session_auth_hash()
        if self.is_suspended():
            return salted_hmac("neighbours.Neighbour.suspended", auth_hash, algorithm="sha256").hexdigest()
        return auth_hash

    @property
    def may_post(self):
        """Whether this neighbour may publish requests, offers and responses (e-mail verified where required, not
        suspended by a moderator)."""
        return (
            self.is_active
            and not self.is_suspended()
            and (self.email_verified or not settings.DUGNAD_REQUIRE_EMAIL_VERIFICATION)
        )


class HiddenByModerator(models.Model):
    """Set by a community moderator: hidden from everyone but its author (neighbours/moderation.py)."""

    hidden_at = models.DateTimeField(_("hidden by a moderator"), null=True, blank=True, editable=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        abstract = True


class Organisation(HiddenByModerator):
    """A club, association, contractor or other body that acts through its members."""

    class Kind(models.TextChoices):
        CLUB = "club", _("Club")
        SENIORS_ASSOCIATION = "seniors_association", _("Seniors' association")
        CONTRACTOR = "contractor", _("Contractor")
        VOLUNTEER_CENTRE = "volunteer_centre", _("Volunteer centre")
        LIBRARY = "library", _("Library")
        HOUSING_COOPERATIVE = "housing_cooperative", _("Housing cooperative")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    # Organisations are public bodies: their location is shown as it is.
    location = models.PointField(_("location"), geography=True, srid=4326, null=True, blank=True)
    service_radius_km = models.PositiveSmallIntegerField(
        _("service radius (km)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    is_professional = models.BooleanField(
        _("professional"), default=False, help_text=_("Paid professional services, as opposed to volunteers.")
    )
    members = models.ManyToManyField(Neighbour, through="Membership", related_name="organisations")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def provider(self):
        """"professional" or "volunteer": shown next to the name, so that the two kinds of help complement each
        other rather than compete."""
        return "professional" if self.is_professional else "volunteer"

    @property
    def provider_label(self):
        return _("Professional") if self.is_professional else _("Volunteers")


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        COORDINATOR = "coordinator", _("Coordinator")
        MEMBER = "member", _("Member")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    neighbour = models.ForeignKey(Neighbour, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "neighbour"], name="membership_once_per_organisation"),
        ]

    def __str__(self):
        return f"{self.neighbour} – {self.organisation} ({self.get_role_display()})"

    @property
    def may_act_for_organisation(self):
        """Admins and coordinators post and respond on the organisation's behalf; members only read."""
        return self.role in {self.Role.ADMIN, self.Role.COORDINATOR}


ROLE_RANK = {Membership.Role.MEMBER: 1, Membership.Role.COORDINATOR: 2, Membership.Role.ADMIN: 3}


class Invitation(models.Model):
    """An admin's invitation to join an organisation with a role.

    By e-mail (``email`` set): single use. By link (``email`` empty): reusable by anyone who has the link, for the
    ``member`` role only, until it expires or is revoked. The token is a long random string (32 bytes) and is the
    only way to reach the invitation without the admin role.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=16, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    email = models.EmailField(_("e-mail address"), blank=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        Neighbour, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_by = models.ForeignKey(
        Neighbour, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_accepted"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(email="") | Q(role="member"), name="invitation_link_for_members"),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.email or 'link'} ({self.role})"

    @property
    def is_link(self):
        return not self.email

    def is_expired(self, now=None):
        return self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self):
        """Whether someone may still join with it (not revoked, not expired, an e-mail one not yet used)."""
        return self.revoked_at is None and not self.is_expired() and (self.is_link or self.accepted_at is None)


class Follow(models.Model):
    """A neighbour follows an organisation: its posts and sessions appear in their feed."""

    neighbour = models.ForeignKey(Neighbour, on_delete=models.CASCADE, related_name="follows")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["neighbour", "organisation"], name="follow_once"),
        ]

    def __str__(self):
        return f"{self.neighbour} follows {self.organisation}"


class Block(models.Model):
    """``blocker`` no longer wants contact with ``blocked``: neither can respond to the other, open a thread with
    them or post in a thread they share. Only the blocker sees the block."""

    blocker = models.ForeignKey(Neighbour, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(Neighbour, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"),
        ]

    def __str__(self):
        return f"{self.blocker} blocks {self.blocked}"


class ReportTarget(models.TextChoices):
    REQUEST = "request", _("Request")
    OFFER = "offer", _("Offer")
    ORGANISATION = "organisation", _("Organisation")
    MESSAGE = "message", _("Message")
    PROFILE = "profile", _("Profile")


class ModerationDecision(models.Model):
    """What a community moderator decided about reported content. The reports it settles point to it."""

    class Action(models.TextChoices):
        DISMISS = "dismiss", _("Dismissed")
        HIDE = "hide", _("Hidden")
        WARN = "warn", _("Warned")
        SUSPEND = "suspend", _("Suspended")

    moderator = models.ForeignKey(Neighbour, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    target_type = models.CharField(_("target type"), max_length=16, choices=ReportTarget.choices)
    target_id = models.PositiveBigIntegerField(_("target id"))
    # The author of the reported content (warnings and suspensions are theirs).
    target_author = models.ForeignKey(
        Neighbour, on_delete=models.SET_NULL, null=True, blank=True, related_name="moderation_decisions"
    )
    suspended_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.action} {self.target_type} {self.target_id}"


class Report(models.Model):
    """A neighbour tells the community moderators about content that breaks the rules (DESIGN §2)."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Rude or abusive")
        UNSAFE = "unsafe", _("Unsafe or dangerous")
        FALSE_INFORMATION = "false_information", _("False information")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    reporter = models.ForeignKey(Neighbour, on_delete=models.CASCADE, related_name="reports")
    target_type = models.CharField(_("what"), max_length=16, choices=ReportTarget.choices)
    target_id = models.PositiveBigIntegerField(_("which"))
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    note = models.TextField(_("more about it"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    decision = models.ForeignKey(
        ModerationDecision, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"], condition=Q(status="open"),
                name="report_open_once_per_reporter",
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="report_target")]

    def __str__(self):
        return f"Report {self.pk} on {self.target_type} {self.target_id}"
