"""Server-rendered pages. They parse forms and call the apps' services; the rules live in those services."""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.blocks import profile_blocks_context
from frontend.forms import LoginForm, ProfileForm, RegisterForm
from geo.selectors import rounded_km
from neighbours import ratelimit, services
from neighbours.models import Language, normalise_email
from offers.feed import feed_for


def _remember_language(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=True,
    )
    return response


def too_many_attempts(request, retry_after):
    """The friendly 429 page, with ``Retry-After``."""
    response = render(request, "frontend/too_many.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(scope):
    """Counts each POST of a logged-in neighbour in ``scope`` (the same count as the API's throttle) and answers
    an over-the-limit one with the friendly 429 page."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and request.user.is_authenticated:
                retry_after = ratelimit.hit(scope, f"user:{request.user.pk}")
                if retry_after:
                    return too_many_attempts(request, retry_after)
            return view(request, *args, **kwargs)
        return wrapped
    return decorator


def home(request):
    feed = []
    if request.user.is_authenticated:
        feed = feed_for(neighbour=request.user, limit=20)
        for item in feed:
            item.distance_km = rounded_km(getattr(item.post, "distance", None))
    return render(request, "frontend/home.html", {"feed": feed})


def safe_next(request):
    """The page to go to after logging in (``?next=`` of this request), if it is one of ours; else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _with_next(url, target):
    return f"{url}?{urlencode({'next': target})}" if target else url


def register(request):
    """Creating an account keeps ``next`` (e.g. an invitation's page) through to the log-in link afterwards."""
    if request.user.is_authenticated:
        return redirect("frontend:home")
    target = safe_next(request)
    form = RegisterForm(request.POST or None, initial={"language": translation.get_language()})
    if request.method == "POST":
        retry_after = ratelimit.hit("register", ratelimit.client_ip(request))
        if retry_after:
            return too_many_attempts(request, retry_after)
        if form.is_valid():
            try:
                services.neighbour_register(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    display_name=form.cleaned_data["display_name"],
                    language=form.cleaned_data["language"],
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                )
            except ValidationError as exc:
                form.add_error("password", exc)
            else:
                request.session["registered_email"] = normalise_email(form.cleaned_data["email"])
                return redirect(_with_next(reverse("frontend:registered"), target))
    return render(request, "registration/register.html", {
        "form": form, "next": target, "login_url": _with_next(reverse("frontend:login"), target),
    })


def registered(request):
    return render(
        request,
        "registration/registered.html",
        {
            "email": request.session.get("registered_email", ""),
            "verification_required": settings.DUGNAD_REQUIRE_EMAIL_VERIFICATION,
            "login_url": _with_next(reverse("frontend:login"), safe_next(request)),
        },
    )


def verify_email(request, token):
    try:
        neighbour = services.neighbour_verify_email(token=token)
    except services.InvalidVerificationLink:
        return render(request, "registration/verify_email.html", {"ok": False}, status=400)
    return render(request, "registration/verify_email.html", {"ok": True, "neighbour": neighbour})


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        for scope, key in (
            ("login", ratelimit.client_ip(request)),
            ("login_email", normalise_email(request.POST.get("username", ""))),
        ):
            retry_after = ratelimit.hit(scope, key)
            if retry_after:
                return too_many_attempts(request, retry_after)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        return _remember_language(response, form.get_user().language)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["register_url"] = _with_next(reverse("frontend:register"), safe_next(self.request))
        return context


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("frontend:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("frontend:password_reset_complete")


@login_required
def profile(request):
    neighbour = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": neighbour.display_name,
            "language": neighbour.language,
            "reach_km": neighbour.reach_km,
            "bio": neighbour.bio,
            "interests": list(neighbour.interests.all()),
            "notify_frequency": neighbour.notify_frequency,
        },
    )
    if request.method == "POST" and form.is_valid():
        changes = {key: form.cleaned_data[key] for key in
                   ("display_name", "language", "reach_km", "bio", "interests", "notify_frequency")}
        address = form.cleaned_data["home_address"].strip()
        try:
            services.neighbour_update_profile(neighbour=neighbour, home_address=address or None, **changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            translation.activate(changes["language"])
            messages.success(request, _("Your profile is saved."))
            return _remember_language(redirect("frontend:profile"), changes["language"])
    return render(request, "frontend/profile.html", {"form": form, **profile_blocks_context(neighbour)})


@require_POST
def set_language(request):
    """Switches the page language (cookie), and for a logged-in neighbour also their saved preference."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or reverse("frontend:home")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("frontend:home")
    if language not in Language.values:
        return HttpResponseRedirect(next_url)
    if request.user.is_authenticated and request.user.language != language:
        services.neighbour_update_profile(neighbour=request.user, language=language)
    return _remember_language(HttpResponseRedirect(next_url), language)
