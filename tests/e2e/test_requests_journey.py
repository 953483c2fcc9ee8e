"""One neighbour asks for help by putting a pin on the map; another finds it nearby, on the list and the map."""

from playwright.sync_api import expect

from neighbours.services import neighbour_update_profile
from requests.models import HelpRequest
from tests.factories import PASSWORD, NeighbourFactory, point


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def resident(email, name, lat, lon):
    neighbour = NeighbourFactory(email=email, display_name=name)
    return neighbour_update_profile(neighbour=neighbour, home=point(lat, lon))


def test_post_a_request_with_the_map_and_find_it_as_another_user(browser, live_url, live_db):
    resident("asker@example.org", "Astrid", 62.4722, 6.1495)
    resident("helper@example.org", "Henrik", 62.4730, 6.1600)
    asker = browser.new_context(base_url=live_url, locale="en-GB").new_page()
    helper = browser.new_context(base_url=live_url, locale="en-GB").new_page()

    log_in(asker, "asker@example.org")
    asker.get_by_role("link", name="Ask for help").first.click()
    asker.get_by_label("What kind of help?").select_option("garden")
    asker.get_by_label("What do you need?").fill("Rake the leaves in my garden")
    picker = asker.locator("[data-map-picker]")
    picker.click(position={"x": 120, "y": 90})
    expect(picker).to_have_attribute("data-picked", "true")
    asker.get_by_role("button", name="Post my request").click()

    expect(asker.get_by_role("heading", name="Rake the leaves in my garden")).to_be_visible()
    posted = HelpRequest.objects.get(title="Rake the leaves in my garden")
    assert abs(posted.location.y - 62.4722) < 0.02
    assert abs(posted.location.x - 6.1495) < 0.03

    log_in(helper, "helper@example.org")
    helper.get_by_role("link", name="Help needed").click()
    expect(helper.get_by_role("link", name="Rake the leaves in my garden")).to_be_visible()
    expect(helper.locator("[data-map]")).to_have_attribute("data-loaded", "1")
    helper.locator(".leaflet-interactive").first.click()
    helper.locator(".leaflet-popup").get_by_role("link", name="Rake the leaves in my garden").click()

    expect(helper.get_by_role("heading", name="Rake the leaves in my garden")).to_be_visible()
    helper.get_by_label("Your message").fill("I have a rake and an hour on Saturday")
    helper.get_by_role("button", name="I can help").click()
    expect(helper.get_by_role("status")).to_contain_text("We have told them you can help")

    asker.reload()
    expect(asker.get_by_role("button", name="Accept help from Henrik")).to_be_visible()
