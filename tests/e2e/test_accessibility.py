"""Every page of the site, filled with a realistic neighbourhood, passes axe-core's WCAG 2.1 A/AA rules, works at
640 px wide (1280 px at 200 % zoom) without sideways scrolling, and breaks no rule of the Content-Security-Policy.

axe-core (tests/e2e/vendor/axe-core) is injected by the test only; users are never sent it."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.e2e.world import build_world, generous_daphne, log_in

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Collects Content-Security-Policy violations in the page, from before its first script runs.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`);
});
"""

# Every page a person opens: route name -> (who looks at it, None = nobody logged in; the URL's arguments).
PAGES = {
    "home": ("ann", {}),
    "register": (None, {}),
    "registered": (None, {}),
    "verify_email": (None, {"token": "verify"}),
    "login": (None, {}),
    "password_reset": (None, {}),
    "password_reset_done": (None, {}),
    "password_reset_confirm": (None, {"uidb64": "uidb64", "token": "reset_token"}),
    "password_reset_complete": (None, {}),
    "profile": ("ann", {}),
    "request_list": ("bob", {}),
    "request_create": ("ann", {}),
    "request_detail": ("ann", {"pk": "lawn"}),
    "request_edit": ("ann", {"pk": "lawn"}),
    "offer_list": ("ann", {}),
    "offer_create": ("bob", {}),
    "offer_detail": ("bob", {"pk": "mowing"}),
    "offer_edit": ("bob", {"pk": "mowing"}),
    "thread_list": ("ann", {}),
    "thread_detail": ("ann", {"pk": "thread"}),
    "notification_list": ("ann", {}),
    "agreement_list": ("ann", {}),
    "agreement_detail": ("ann", {"pk": "agreement"}),
    "organisation_list": ("ann", {}),
    "organisation_create": ("ann", {}),
    "organisation_detail": ("ann", {"pk": "club"}),
    "organisation_edit": ("ann", {"pk": "club"}),
    "organisation_members": ("ann", {"pk": "club"}),
    "organisation_inbox": ("ann", {"pk": "club"}),
    "invitation_accept": (None, {"token": "invitation"}),
    "session_create": ("cora", {"pk": "course"}),
    "session_detail": ("sigrid", {"pk": "session"}),
    "session_organise": ("cora", {"pk": "session"}),
    "my_sessions": ("per", {}),
    "organisation_assisted": ("cora", {"pk": "association"}),
    "privacy": (None, {}),
    "my_data": ("ann", {}),
    "account_delete": ("ann", {}),
    "block_confirm": ("ann", {"neighbour_id": "bob_id"}),
    "report": ("bob", {}),
    "moderation_queue": ("mona", {}),
}

# Query strings some pages need (values: keys of the world's ids).
QUERIES = {
    "report": {"type": "request", "id": "lawn"},
}

# The same pages as seen by someone else, where what they see differs a lot.
EXTRA_VIEWS = [
    ("request_detail", "bob", {"pk": "lawn"}),
    ("request_detail", "ann", {"pk": "shelves"}),
    ("offer_detail", "cora", {"pk": "course"}),
    ("offer_detail", "per", {"pk": "mowing"}),
    ("thread_detail", "per", {"pk": "ask_thread"}),
    ("agreement_detail", "bob", {"pk": "agreement"}),
    ("invitation_accept", "per", {"token": "invitation"}),
    ("home", None, {}),
]

# Routes that are not pages: form targets (POST only), or not HTML.
NOT_PAGES = {
    "logout", "set_language", "request_respond", "request_cancel", "response_accept", "offer_set_status", "offer_ask",
    "offer_ask_answer", "agreement_propose", "agreement_calendar_link", "proposal_decide", "organisation_follow",
    "organisation_member_role", "organisation_member_remove", "organisation_invitation_create", "invitation_revoke",
    "referral_respond", "referral_decline", "request_refer", "session_signup", "session_leave", "session_cancel",
    "session_attendance", "session_assisted_signup", "signup_cancel", "signup_message",
    "calendar_feed",  # text/calendar
    "block_remove", "moderation_decide", "neighbour_verify",
    "my_data_download",  # application/json
}


@pytest.fixture(scope="module")
def live_url(django_db_setup, django_db_blocker):
    with generous_daphne() as url:
        yield url


def frontend_route_names():
    resolver = get_resolver()
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "frontend" and pattern.name:
                names.add(pattern.name)

    walk(resolver.url_patterns, None)
    return names


def test_every_frontend_route_is_classified():
    """Given frontend/urls.py, then every route is either a page checked below or listed as not a page."""
    names = frontend_route_names()

    assert names - PAGES.keys() - NOT_PAGES == set(), "new route: add it to PAGES or NOT_PAGES"
    assert (PAGES.keys() | NOT_PAGES) - names == set()


def _views():
    views = [(name, who, kwargs) for name, (who, kwargs) in PAGES.items()]
    return views + EXTRA_VIEWS


def _readable(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def open_page(browser, live_url, name, who, kwargs, *, width=1280):
    world = build_world()
    context = browser.new_context(base_url=live_url, locale="en-GB", viewport={"width": width, "height": 900})
    context.add_init_script(script=CSP_LISTENER)
    # An init script, not add_script_tag: the page's policy (script-src 'self') rightly blocks injected inline tags.
    context.add_init_script(path=AXE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    if who:
        log_in(page, world.people[who].email)
    url = reverse(f"frontend:{name}", kwargs={key: world.ids[value] for key, value in kwargs.items()})
    if name in QUERIES:
        url += "?" + urlencode({key: world.ids.get(value, value) for key, value in QUERIES[name].items()})
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    page.wait_for_load_state("networkidle")
    return context, page, url


@pytest.mark.parametrize(("name", "who", "kwargs"), _views(), ids=lambda v: v if isinstance(v, str) else "")
def test_page_is_accessible(browser, live_url, live_db, name, who, kwargs):
    """Given the page as this person sees it, then axe-core finds no WCAG 2.1 A/AA violation and the page breaks no
    rule of its Content-Security-Policy."""
    context, page, url = open_page(browser, live_url, name, who, kwargs)
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    violations = result["violations"]
    csp = page.evaluate("window.__cspViolations")
    context.close()

    assert violations == [], f"{url} ({who or 'anonymous'}):\n{_readable(violations)}"
    assert csp == [], f"{url}: {csp}"


@pytest.mark.parametrize(("name", "who", "kwargs"), _views(), ids=lambda v: v if isinstance(v, str) else "")
def test_page_fits_at_200_percent_zoom(browser, live_url, live_db, name, who, kwargs):
    """Given a 640 px wide window (1280 px at 200 % zoom), then the page does not scroll sideways."""
    context, page, url = open_page(browser, live_url, name, who, kwargs, width=640)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    context.close()

    assert widths[0] <= widths[1], f"{url} ({who or 'anonymous'}): {widths[0]} px wide in a {widths[1]} px window"


@pytest.mark.parametrize("url", ["/register/", "/login/"])
def test_a_form_showing_errors_is_accessible(browser, live_url, live_db, url):
    """Given a form sent empty, then the page with its error summary and marked fields passes axe-core too, and the
    summary is an alert linking to the first invalid field."""
    context = browser.new_context(base_url=live_url, locale="en-GB")
    context.add_init_script(path=AXE)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("main").locator("button[type=submit]").press("Enter")
    page.wait_for_selector("main [role=alert]")

    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    summary_links = page.locator("main [role=alert] a").count()
    invalid = page.locator("main [aria-invalid=true]").count()
    context.close()

    assert result["violations"] == [], _readable(result["violations"])
    assert summary_links >= 1
    assert invalid >= 1
