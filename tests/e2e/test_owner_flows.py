"""What owners and moderators do, in Chromium, against the real server (issue 7's four flows):

1. two owners sign up nearby and add dogs; one sees the other's dog suggested live, invites;
   the other sees the invitation arrive without reloading and accepts; the first sees it live;
2. they chat both ways live (typing, read receipt); one owner's socket drops, the other sends
   two messages, and the first page shows them once it has reconnected;
3. a moderator watches the activity stream in, suspends an owner, whose page logs out;
4. a pet name and a message made of HTML render as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Dialog, Page, ViewportSize, expect

from accounts.models import User
from matching.models import Playdate, PlaydateStatus
from matching.tests.playdate_helpers import in_days
from pets.models import Pet
from pets.tests.factories import PetFactory
from tests.factories import PASSWORD, UserFactory
from tests.server import Server

XSS = "<img src=x onerror=alert(1)>"
# Instruments WebSocket before the app loads: the test can close the page's sockets (a network
# drop) and keep new ones from connecting until it says so.
SOCKET_CONTROL = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__offline = false;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(window.__offline ? String(url).replace("/ws/", "/ws-offline/") : url, protocols);
      window.__sockets.push(this);
    }
  };
})();
"""


def sign_up(page: Page, name: str) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/profile$"))
    page.get_by_label("City").select_option(label="New York")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()


def add_dog(page: Page, name: str) -> None:
    page.get_by_role("link", name="My pets").click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Add pet").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def accepted_playdate(ann: User, bob: User) -> Playdate:
    """Ann's dog and Bob's, with an accepted playdate in two days."""
    rex: Pet = PetFactory.create(owner=ann, name="Rex", vaccinated=True)
    bella: Pet = PetFactory.create(owner=bob, name="Bella", vaccinated=True)
    playdate: Playdate = Playdate.objects.create(
        pet_1=rex,
        pet_2=bella,
        inviter=ann,
        invitee=bob,
        date_time=in_days(2),
        location_name="Prospect Park",
        status=PlaydateStatus.ACCEPTED,
    )
    return playdate


def test_1_a_suggestion_an_invitation_and_its_acceptance_arrive_live(
    app_server: Server,
    page_for: Callable[[str], Page],
    console_errors: Callable[[Page], list[str]],
    screenshot: Callable[[Page, str], Path],
) -> None:
    ann, bob = page_for("ann"), page_for("bob")

    # given: Ann and her dog, waiting on the suggestions screen
    sign_up(ann, "ann")
    add_dog(ann, "Rex")
    ann.get_by_role("link", name="Suggestions").click()
    expect(ann.get_by_text("No one nearby yet")).to_be_visible()

    # when: Bob joins nearby with a dog
    sign_up(bob, "bob")
    add_dog(bob, "Bella")
    screenshot(bob, "pets")

    # then: Ann sees Bella without reloading
    bella = ann.get_by_role("listitem").filter(has=ann.get_by_role("heading", name="Bella"))
    expect(bella).to_be_visible()
    expect(ann.get_by_text("A new playmate just joined nearby.")).to_be_visible()
    screenshot(ann, "suggestions")

    # when: Bob watches his playdates while Ann invites
    bob.get_by_role("link", name="Playdates").click()
    expect(bob.get_by_text("Nothing here yet.")).to_be_visible()
    bella.get_by_role("button", name="Invite").click()
    expect(ann.get_by_text("Invitation sent to bob for Bella.")).to_be_visible()

    # then: the invitation appears on Bob's page, badge and all, and he accepts
    invitation = bob.get_by_role("listitem").filter(has_text="Rex and Bella")
    expect(invitation).to_be_visible()
    expect(bob.get_by_label("1 waiting for your answer")).to_be_visible()
    screenshot(bob, "playdates-incoming")
    ann.get_by_role("link", name="Playdates").click()
    ann.get_by_role("tab", name="Outgoing").click()
    expect(ann.get_by_role("listitem").filter(has_text="Rex and Bella")).to_be_visible()
    invitation.get_by_role("button", name="Accept").click()

    # then: Ann's page moves it to her upcoming playdates, live
    expect(ann.get_by_text("Nothing here yet.")).to_be_visible()
    ann.get_by_role("tab", name="Upcoming").click()
    upcoming = ann.get_by_role("listitem").filter(has_text="Rex and Bella")
    expect(upcoming.get_by_text("accepted")).to_be_visible()
    screenshot(ann, "playdates-upcoming")
    assert console_errors(ann) == []
    assert console_errors(bob) == []


def test_2_chat_is_live_both_ways_and_survives_a_dropped_socket(
    app_server: Server,
    page_for: Callable[[str], Page],
    console_errors: Callable[[Page], list[str]],
    screenshot: Callable[[Page, str], Path],
) -> None:
    # given: Ann and Bob with an accepted playdate, each in its conversation
    ann_user = UserFactory.create(email="ann@example.com", username="ann")
    bob_user = UserFactory.create(email="bob@example.com", username="bob")
    playdate = accepted_playdate(ann_user, bob_user)
    ann, bob = page_for("ann"), page_for("bob")
    bob.add_init_script(SOCKET_CONTROL)
    for page, email in ((ann, "ann@example.com"), (bob, "bob@example.com")):
        log_in(page, email)
        page.goto(f"/playdates/{playdate.pk}/chat")
        expect(page.get_by_role("heading", name="Chat")).to_be_visible()
        # Live: typing notices go over the socket only (one sent while it opens is dropped).
        expect(page.get_by_text("Connecting…")).to_have_count(0)

    # when: Ann types, then sends
    ann.get_by_label("Message").fill("Hi Bob")
    expect(bob.get_by_text("Typing…")).to_be_visible()
    ann.get_by_role("button", name="Send").click()

    # then: Bob sees it, reads it, and Ann sees that he did; his answer reaches her
    expect(bob.get_by_text("Hi Bob")).to_be_visible()
    expect(ann.get_by_text("Seen")).to_be_visible()
    bob.get_by_label("Message").fill("Hello Ann!")
    bob.get_by_role("button", name="Send").click()
    expect(ann.get_by_text("Hello Ann!")).to_be_visible()
    screenshot(ann, "chat")

    # when: Bob's connection drops and stays down while Ann sends two messages
    bob.evaluate("window.__offline = true; window.__sockets.forEach((socket) => socket.close())")
    expect(bob.get_by_text("Reconnecting…")).to_be_visible()
    for text in ("Are you there?", "See you Saturday"):
        ann.get_by_label("Message").fill(text)
        ann.get_by_role("button", name="Send").click()
        expect(ann.get_by_text(text)).to_be_visible()
    expect(bob.get_by_text("Are you there?")).to_have_count(0)

    # then: back online, Bob's page resumes and shows both, once each
    bob.evaluate("window.__offline = false")
    expect(bob.get_by_text("See you Saturday")).to_be_visible(timeout=40_000)
    expect(bob.get_by_text("Are you there?")).to_have_count(1)
    expect(bob.get_by_text("Reconnecting…")).to_have_count(0)
    screenshot(bob, "chat-after-reconnect")
    assert console_errors(ann) == []


def test_3_a_moderator_watches_the_feed_and_a_suspension_logs_the_owner_out(
    app_server: Server,
    page_for: Callable[[str], Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    # given: Ann and Bob in a conversation, and a moderator on the live feed
    ann_user = UserFactory.create(email="ann@example.com", username="ann")
    bob_user = UserFactory.create(email="bob@example.com", username="bob")
    UserFactory.create(email="mod@example.com", username="mod", role=User.Role.MODERATOR)
    playdate = accepted_playdate(ann_user, bob_user)
    ann, bob, mod = page_for("ann"), page_for("bob"), page_for("mod")
    for page in (ann, bob, mod):
        log_in(page, f"{'mod' if page is mod else 'ann' if page is ann else 'bob'}@example.com")
    mod.get_by_role("link", name="Moderation").click()
    expect(mod.get_by_role("heading", name="Live activity")).to_be_visible()
    ann.goto(f"/playdates/{playdate.pk}/chat")
    bob.goto("/playdates")

    # when: Ann writes
    ann.get_by_label("Message").fill("Hello!")
    ann.get_by_role("button", name="Send").click()

    # then: it streams into the moderator's feed
    expect(mod.get_by_text(f"ann wrote in playdate {playdate.pk}")).to_be_visible()
    screenshot(mod, "moderation-activity")

    # when: the moderator suspends Bob
    mod.get_by_role("link", name="Suspensions").click()
    mod.get_by_label("User id").fill(str(bob_user.pk))
    mod.get_by_label("Why (for the audit log)").fill("Spam invitations")
    mod.get_by_role("button", name="Suspend", exact=True).click()
    expect(mod.get_by_text("bob is suspended.")).to_be_visible()

    # then: Bob's page logs out at once, and the feed says so
    expect(bob).to_have_url(re.compile(r"/login$"))
    mod.get_by_role("link", name="Activity").click()
    expect(mod.get_by_text("mod suspended bob")).to_be_visible()
    mod.get_by_role("link", name="Engagement").click()
    expect(mod.get_by_text("Invitation funnel")).to_be_visible()
    screenshot(mod, "moderation-engagement")


def test_4_names_and_messages_render_as_text_never_as_html(
    app_server: Server,
    page_for: Callable[[str], Page],
    console_errors: Callable[[Page], list[str]],
) -> None:
    # given: Ann's dog is named with HTML, and Bob writes HTML
    ann_user = UserFactory.create(email="ann@example.com", username="ann")
    bob_user = UserFactory.create(email="bob@example.com", username="bob")
    playdate = accepted_playdate(ann_user, bob_user)
    Pet.objects.filter(pk=playdate.pet_1_id).update(name=XSS)
    ann, bob = page_for("ann"), page_for("bob")
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    for page in (ann, bob):
        page.on("dialog", refuse)
    log_in(ann, "ann@example.com")
    log_in(bob, "bob@example.com")

    # when
    bob.goto(f"/playdates/{playdate.pk}/chat")
    bob.get_by_label("Message").fill(XSS)
    bob.get_by_role("button", name="Send").click()
    ann.goto("/pets")
    bob.goto("/playdates")
    bob.get_by_role("tab", name="Upcoming").click()

    # then: the text is shown as typed, and no image element or script came of it
    expect(ann.get_by_role("heading", name=XSS)).to_be_visible()
    expect(bob.get_by_role("heading", name=f"{XSS} and Bella")).to_be_visible()
    ann.goto(f"/playdates/{playdate.pk}/chat")
    expect(ann.get_by_text(XSS)).to_be_visible()
    for page in (ann, bob):
        assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    assert console_errors(ann) == []


PHONE: ViewportSize = {"width": 390, "height": 844}
# Every control a person types into or picks from: each must have a name a screen reader says.
UNLABELLED_CONTROLS = """
[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
  .filter((control) => !control.labels?.length && !control.getAttribute("aria-label")
    && !control.textContent.trim())
  .map((control) => control.outerHTML)
"""


def test_5_every_screen_fits_a_phone_and_labels_its_controls(
    app_server: Server,
    page_for: Callable[[str], Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    # given: Ann with a dog and a playdate, on a phone-sized screen
    ann_user = UserFactory.create(email="ann@example.com", username="ann")
    bob_user = UserFactory.create(email="bob@example.com", username="bob")
    playdate = accepted_playdate(ann_user, bob_user)
    ann = page_for("ann")
    ann.set_viewport_size(PHONE)
    ann.goto("/login")
    assert ann.evaluate(UNLABELLED_CONTROLS) == []
    log_in(ann, "ann@example.com")

    for path in (
        "/",
        "/playdates",
        "/pets",
        f"/pets/{playdate.pet_1_id}",
        "/profile",
        "/sessions",
        f"/playdates/{playdate.pk}/chat",
    ):
        # when
        ann.goto(path)
        ann.wait_for_load_state("networkidle")

        # then: nothing wider than the screen, every control named
        assert ann.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert ann.evaluate(UNLABELLED_CONTROLS) == [], path
    screenshot(ann, "phone-chat")

    # and the keyboard reaches the first link of the page first
    ann.goto("/pets")
    expect(ann.get_by_role("heading", name="My pets")).to_be_visible()
    ann.keyboard.press("Tab")
    expect(ann.get_by_role("link", name="Skip to content")).to_be_focused()


def test_6_a_pets_profile_preferences_and_free_times_are_saved(
    app_server: Server,
    page_for: Callable[[str], Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    # given
    ann_user = UserFactory.create(email="ann@example.com", username="ann")
    rex: Pet = PetFactory.create(owner=ann_user, name="Rex", size="medium", vaccinated=True)
    ann = page_for("ann")
    log_in(ann, "ann@example.com")
    ann.goto(f"/pets/{rex.pk}")

    # when: larger, within 10 km, free on Wednesday mornings, saved
    ann.get_by_label("Size").select_option("large")
    ann.get_by_label("Within (km)").fill("10")
    ann.get_by_role("button", name="Wed morning").click()
    ann.get_by_role("button", name="Save").click()

    # then
    expect(ann.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    screenshot(ann, "pet")
    rex.refresh_from_db()
    preferences = rex.preferences
    preferences.refresh_from_db()
    assert (rex.size, preferences.max_distance_km) == ("large", 10.0)
    assert {"weekday": 2, "start": "08:00", "end": "12:00"} in preferences.availability
