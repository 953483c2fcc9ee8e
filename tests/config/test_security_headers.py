"""Security headers: the Content-Security-Policy, Referrer-Policy, Permissions-Policy and nosniff on every response,
and the production settings that keep cookies and transport safe."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.middleware import _tile_source
from tests.live import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "frontend" / "templates"


def _directives(header):
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    """Given any page, then its policy allows scripts and styles from this site only, forbids framing and plugins."""
    response = client.get("/login/")

    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"][:2] == ["'self'", "data:"]


@pytest.mark.django_db
def test_the_websocket_may_connect_only_to_this_host(client):
    """Given a page served as testserver, then connect-src allows this origin and its ws/wss URLs only."""
    response = client.get("/login/")

    policy = _directives(response["Content-Security-Policy"])
    assert policy["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"]


@pytest.mark.django_db
def test_api_responses_carry_the_policy_too(client):
    """Given an API call, then the response has the same strict policy."""
    response = client.get("/api/v1/categories/")

    assert "script-src 'self';" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_swagger_page_has_its_own_wider_policy(client):
    """Given /api/docs/, then swagger-ui may load from its CDN and use its inline style block; nothing else is wider."""
    response = client.get("/api/docs/")

    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "https://cdn.jsdelivr.net"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_map_tile_host_is_allowed_for_images(client, settings):
    """Given a tile URL template with a subdomain placeholder, then img-src allows that host's subdomains."""
    from config.middleware import SecurityHeadersMiddleware

    settings.DUGNAD_MAP_TILES_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    middleware = SecurityHeadersMiddleware(lambda request: None)
    request = client.get("/login/").wsgi_request

    policy = _directives(middleware.policy(request))
    assert policy["img-src"] == ["'self'", "data:", "https://*.tile.example.org"]


def test_tile_source_is_empty_without_tiles():
    """Given no tile server configured, then no extra image host is allowed."""
    assert _tile_source("") == ""
    assert _tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"


@pytest.mark.django_db
def test_referrer_permissions_and_nosniff_headers(client):
    """Given any page, then the referrer stays on this site, browser features are off and MIME sniffing is off."""
    response = client.get("/login/")

    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_production_settings_keep_cookies_and_transport_secure():
    """Given the production settings, then HSTS is on and the session and CSRF cookies are secure and httponly."""
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        "s.SECURE_SSL_REDIRECT, s.SECURE_CONTENT_TYPE_NOSNIFF)"
    )
    env = {**os.environ, **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60, check=True,
    )

    hsts, session_secure, csrf_secure, httponly, redirect, nosniff = result.stdout.split()
    assert int(hsts) >= 31536000
    assert session_secure == csrf_secure == httponly == redirect == nosniff == "True"


def _template_texts():
    return [(path, path.read_text()) for path in TEMPLATES.rglob("*.html")]


def test_templates_have_no_inline_scripts():
    """Given every template, then each <script> loads a file (no inline code the policy would block)."""
    offenders = [
        str(path)
        for path, text in _template_texts()
        for tag in re.findall(r"<script\b[^>]*>", text)
        if "src=" not in tag
    ]
    assert offenders == []


def test_templates_have_no_style_attributes_or_event_handlers():
    """Given every template, then no element has a style="..." attribute or an on...= handler."""
    offenders = [
        str(path) for path, text in _template_texts()
        if re.search(r"\sstyle\s*=", text) or re.search(r"<[^>]*\son[a-z]+\s*=", text)
    ]
    assert offenders == []
