from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from neighbours.models import Language


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
