"""Form errors are announced: a summary with role="alert" at the top of the form, and each invalid field marked
aria-invalid and described by its error."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _post_bad_registration(client):
    data = {"email": "nope", "display_name": "Per", "password": "x", "language": "en"}
    return client.post(reverse("frontend:register"), data)


def _form(html):
    return html[html.index("<main"):]


def test_an_error_summary_with_role_alert_opens_the_form(client):
    """Given a registration with a bad e-mail address, then the first thing in the form is one role="alert" summary
    that names the field and links to it."""
    html = _form(_post_bad_registration(client).text)

    assert html.count('role="alert"') == 1
    summary = re.search(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert 'href="#id_email"' in summary
    assert html.index('role="alert"') < html.index('id="id_email"')


def test_an_invalid_field_is_marked_invalid_and_described_by_its_error(client):
    """Given the bad e-mail address, then its input has aria-invalid="true" and aria-describedby naming the error,
    whose element exists."""
    html = _form(_post_bad_registration(client).text)

    tag = re.search(r'<input[^>]*id="id_email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag
    described_by = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
    assert "id_email_error" in described_by
    assert 'id="id_email_error"' in html


def test_a_valid_field_is_not_marked_invalid(client):
    """Given the same post, then the display name field, which is fine, carries no aria-invalid."""
    html = _form(_post_bad_registration(client).text)

    for tag in re.findall(r"<input[^>]*>", html):
        if 'name="email"' not in tag and 'name="password"' not in tag:
            assert "aria-invalid" not in tag


def test_a_form_without_errors_has_no_summary(client):
    """Given the empty registration page, then there is no alert."""
    html = _form(client.get(reverse("frontend:register")).text)

    assert 'role="alert"' not in html
