"""A triager drags a card to another horizon (or moves it by keyboard) and takes a hit to done in one step."""

import pytest

from tests.browser import WIDTHS, chromium_page, live_server, screenshot, sign_in, too_wide
from tests.conftest import empty_tables, make_app
from tests.factories import make_hit, make_user
from voc.extensions import db
from voc.models import Hit
from voc.services import hits

pytestmark = pytest.mark.browser


@pytest.fixture
def board_app(database_url):
    """The app as users get it (CSRF on), with two hits this month."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        triager = make_user("triager", email="tri@example.com", name="Tariq Triager")
        make_user("triager", email="other@example.com", name="Olga Other")
        app.config["HITS"] = (
            make_hit(triager, title="Refunds take weeks").id,
            make_hit(triager, title="Engineer no-shows", impact=2).id,
        )
    yield app
    empty_tables(app)


def titles(page, horizon: str) -> list[str]:
    return page.locator(f"ol.cards[data-horizon='{horizon}'] .card-title").all_inner_texts()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_drag_a_card_to_another_horizon_and_see_a_conflict_as_before(board_app, database_url, width):
    refunds, no_shows = board_app.config["HITS"]
    with live_server(board_app) as base, chromium_page() as page:
        # A drag needs its drop column on screen: on a phone the columns stack, so the window is tall.
        page.set_viewport_size({"width": width, "height": 900 if width > 800 else 1700})
        sign_in(page, base, "tri@example.com")
        page.goto(base + "/hits/")
        assert sorted(titles(page, "this month")) == ["Engineer no-shows", "Refunds take weeks"]
        assert too_wide(page) == []
        page.drag_and_drop(f"#hit-{refunds}", "ol.cards[data-horizon='this year']")
        page.wait_for_selector("text=“Refunds take weeks” moved to this year.")
        assert titles(page, "this year") == ["Refunds take weeks"]
        assert titles(page, "this month") == ["Engineer no-shows"]
        screenshot(page, f"board-{width}", database_url)

        # Someone else moves the other card while this page is open: the drop is refused, as a Move is.
        with board_app.app_context():
            olga = db.session.get(Hit, no_shows)
            hits.move_hit(no_shows, "year 2", olga.version, None)
        page.drag_and_drop(f"#hit-{no_shows}", "ol.cards[data-horizon='year 3']")
        page.wait_for_selector(".flash-error")
        assert "changed this hit" in page.inner_text(".flash-error")
        assert titles(page, "year 2") == ["Engineer no-shows"] and titles(page, "year 3") == []


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_keyboard_move_and_one_step_to_done(board_app, width):
    refunds, _ = board_app.config["HITS"]
    with live_server(board_app) as base, chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, base, "tri@example.com")
        page.goto(base + "/hits/")
        card = page.locator(f"#hit-{refunds}")
        card.locator("select").focus()
        card.locator("select").select_option("year 2")
        card.get_by_role("button", name="Move").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("text=“Refunds take weeks” moved to year 2.")
        assert titles(page, "year 2") == ["Refunds take weeks"]

        page.get_by_role("link", name="Refunds take weeks").click()
        options = page.locator("#status option").all_inner_texts()
        assert options == ["Planned", "In progress", "Done", "Dropped"]
        page.select_option("#status", "done")
        page.get_by_role("button", name="Change status").click()
        page.wait_for_selector("text=“Refunds take weeks” is now done.")
    with board_app.app_context():
        assert db.session.get(Hit, refunds).status == "done"
