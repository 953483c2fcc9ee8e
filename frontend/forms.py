from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from neighbours.models import Category, Language, Membership, NotifyFrequency, Organisation


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return category.name


class CategoriesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, category):
        return category.name


class RegisterForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        help_text=_("Shown to the people you help and who help you."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters. A few words you will remember work well."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Your language"), choices=Language.choices)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The e-mail address or the password is not correct."),
        "inactive": _("The e-mail address or the password is not correct."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail address")
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})

    def clean(self):
        """Checks the credentials through the same service as the API (lock-out after repeated wrong passwords,
        moderators' suspensions)."""
        from neighbours.services import InvalidCredentials, neighbour_authenticate

        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = neighbour_authenticate(email=email, password=password, request=self.request)
            except InvalidCredentials as exc:
                raise forms.ValidationError(exc.message, code="invalid_login") from None
        return self.cleaned_data


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=80)
    language = forms.ChoiceField(label=_("Your language"), choices=Language.choices)
    reach_km = forms.IntegerField(
        label=_("How far can you travel to help? (km)"), min_value=1, max_value=100
    )
    home_address = forms.CharField(
        label=_("Your home address"),
        max_length=300,
        required=False,
        help_text=_("Only you can see it. Others see roughly where you live (about 250 metres)."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    bio = forms.CharField(
        label=_("About you"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    interests = CategoriesField(
        label=_("Which kinds of help do you want to hear about?"), queryset=Category.objects.all(),
        to_field_name="slug", required=False, widget=forms.CheckboxSelectMultiple,
    )
    notify_frequency = forms.ChoiceField(label=_("How often?"), choices=NotifyFrequency.choices)


class PlaceFields(forms.Form):
    """Where: an address, or a point picked on the map (hidden lat/lon); neither means "my home"."""

    address = forms.CharField(
        label=_("Address or place"),
        max_length=300,
        required=False,
        help_text=_("Leave empty to use your home. Others only see roughly where it is (about 250 metres)."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)


class ActingForMixin:
    """Adds "on behalf of" (an organisation the person acts for) when ``acting_for`` names any; leaving it empty
    posts as oneself."""

    def __init__(self, *args, acting_for=None, **kwargs):
        super().__init__(*args, **kwargs)
        if acting_for is not None and acting_for.exists():
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("On behalf of"), queryset=acting_for, required=False, empty_label=_("Myself"),
                help_text=_("Post for an organisation where you are an administrator or coordinator."),
            )


class HelpRequestForm(ActingForMixin, PlaceFields):
    category = CategoryChoiceField(label=_("What kind of help?"), queryset=Category.objects.all(), to_field_name="slug",
                                   empty_label=None)
    title = forms.CharField(label=_("What do you need?"), max_length=120,
                            help_text=_("A short headline, e.g. “Help to mow my lawn”."))
    description = forms.CharField(label=_("Tell a bit more"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    needed_from = forms.DateTimeField(label=_("From (date and time)"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    needed_until = forms.DateTimeField(label=_("Until (date and time)"), required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    recurrence = forms.CharField(
        label=_("Repeats (optional)"), max_length=500, required=False,
        help_text=_("For regular help, e.g. FREQ=WEEKLY;BYDAY=FR;COUNT=10 for ten Fridays."),
    )
    field_order = ["category", "title", "description", "needed_from", "needed_until", "recurrence", "address"]


class HelpOfferForm(ActingForMixin, PlaceFields):
    category = CategoryChoiceField(label=_("What kind of help?"), queryset=Category.objects.all(), to_field_name="slug",
                                   empty_label=None)
    title = forms.CharField(label=_("What can you offer?"), max_length=120,
                            help_text=_("A short headline, e.g. “I can walk your dog”."))
    description = forms.CharField(label=_("Tell a bit more"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    radius_km = forms.DecimalField(label=_("How far from the place (km)?"), min_value=0.1, max_value=100,
                                   decimal_places=1, initial=3)
    field_order = ["category", "title", "description", "radius_km", "address"]


class ResponseForm(ActingForMixin, forms.Form):
    message = forms.CharField(
        label=_("Your message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say how you can help and when you are free."),
    )


class NearbyForm(forms.Form):
    """The list filters on the browse pages (GET, so a list works and can be bookmarked without JavaScript)."""

    category = CategoryChoiceField(
        label=_("Kind of help"), queryset=Category.objects.all(), to_field_name="slug", required=False,
        empty_label=_("All kinds"),
    )
    radius_km = forms.TypedChoiceField(
        label=_("Distance"), coerce=int, required=False, initial=5,
        choices=[(1, _("1 km")), (2, _("2 km")), (5, _("5 km")), (10, _("10 km")), (25, _("25 km")),
                 (50, _("50 km"))],
    )
    place = forms.CharField(label=_("Near"), max_length=300, required=False,
                            help_text=_("An address or place. Empty: near your home."))


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}), strip=False)
    # Chosen when the form is shown: sending the same form twice stores the message once.
    client_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = settings.DUGNAD_MESSAGE_MAX_CHARS
        self.fields["body"].widget.attrs["maxlength"] = settings.DUGNAD_MESSAGE_MAX_CHARS


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All kinds")), *Organisation.Kind.choices])


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    is_professional = forms.TypedChoiceField(
        label=_("Who helps?"), coerce=lambda value: value == "True", widget=forms.RadioSelect,
        choices=[(False, _("Volunteers")), (True, _("Professionals (paid work)"))], initial=False,
    )
    description = forms.CharField(label=_("About the organisation"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    address = forms.CharField(label=_("Address"), max_length=300, required=False,
                              help_text=_("Where the organisation is. It is shown to everyone."),
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    service_radius_km = forms.IntegerField(label=_("How far do you help? (km)"), min_value=1, max_value=200,
                                           initial=10)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class ReferralForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("From"), queryset=Organisation.objects.none(), empty_label=None)
    to_organisation = forms.ModelChoiceField(label=_("To the partner organisation"),
                                             queryset=Organisation.objects.none())
    note = forms.CharField(label=_("Note to the partner"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, acting_for, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = acting_for
        self.fields["to_organisation"].queryset = Organisation.objects.order_by("name")
        self.fields["to_organisation"].label_from_instance = (
            lambda organisation: f"{organisation.name} ({organisation.provider_label})"
        )
