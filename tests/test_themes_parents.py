"""Parent themes in the app: stored and kept across re-runs, shown as groups, cited by hits."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.factories import hit_form, make_customer, make_user, sign_in, stage_named
from tests.texts import family_texts
from voc.extensions import db
from voc.models import Feedback, Hit, Theme, ThemeRun
from voc.services import themes
from voc.services.errors import InvalidInput

TODAY = dt.date.today()


def add_family_items(per_topic: int, seed_shift: int = 0) -> dict[str, list[Feedback]]:
    """Items of five families of three related topics each, every family raised by its own customer."""
    texts, families = family_texts(per_topic)
    customers = {family: make_customer() for family in dict.fromkeys(families)}
    made: dict[str, list[Feedback]] = {family: [] for family in customers}
    for i, (text, family) in enumerate(zip(texts, families, strict=True)):
        item = Feedback(
            text=f"{text} {i + seed_shift}",
            channel="survey",
            stage=stage_named("Action"),
            received_on=TODAY - dt.timedelta(days=5),
            customer=customers[family],
        )
        db.session.add(item)
        made[family].append(item)
    db.session.commit()
    return made


def run(runner) -> None:
    result = runner.invoke(args=["voc", "themes", "--k", "15"])
    assert result.exit_code == 0, result.output


def parent_of(items: list[Feedback]) -> Theme:
    """The parent of the theme most of these items are in."""
    ids = [db.session.get(Feedback, item.id).theme_id for item in items]
    return db.session.get(Theme, max(set(ids), key=ids.count)).parent


def children(parent: Theme) -> list[Theme]:
    live = select(Theme).where(Theme.parent_id == parent.id, Theme.retired.is_(False))
    return list(db.session.scalars(live))


@pytest.fixture
def families(app):
    return add_family_items(20)


def test_a_run_stores_related_themes_under_one_parent(runner, families):
    run(runner)
    parents = list(db.session.scalars(select(Theme).where(Theme.is_parent.is_(True))))
    assert len(parents) == 5 and db.session.scalar(select(ThemeRun)).quality["n_parents"] == 5
    for family, items in families.items():
        parent = parent_of(items)
        under = children(parent)
        assert len(under) == 3 and family in parent.label
        assert {db.session.get(Feedback, item.id).theme.parent_id for item in items} == {parent.id}
        assert parent.size == sum(theme.size for theme in under) == 60


def test_a_rerun_keeps_parent_ids_and_a_renamed_parents_name(runner, families):
    run(runner)
    before = {family: parent_of(items).id for family, items in families.items()}
    themes.rename_theme(before["refund"], "Money back")
    add_family_items(1, seed_shift=1000)  # 15 more items, 5% of 300
    run(runner)
    assert {family: parent_of(items).id for family, items in families.items()} == before
    assert db.session.get(Theme, before["refund"]).title == "Money back"
    assert not any(db.session.get(Theme, parent_id).retired for parent_id in before.values())


def test_a_parent_whose_themes_all_merged_away_retires(runner, families):
    run(runner)
    refunds, wifi = parent_of(families["refund"]), parent_of(families["wifi"])
    target = children(wifi)[0]
    for theme in children(refunds):
        themes.merge_themes(theme.id, target.id)
    assert db.session.get(Theme, refunds.id).retired
    assert db.session.get(Theme, wifi.id).size == 120


def test_items_and_merges_go_to_themes_not_parents_and_splits_stay_under_theirs(runner, families):
    run(runner)
    parent = parent_of(families["app"])
    with pytest.raises(InvalidInput, match="choose one of the themes under it"):
        themes.move_item(families["app"][0].id, parent.id)
    with pytest.raises(InvalidInput, match="merge the themes under it"):
        themes.merge_themes(children(parent)[0].id, parent.id)
    assert parent.id not in {theme_id for theme_id, _ in themes.theme_choices()}
    source = children(parent)[0]
    one = db.session.scalar(select(Feedback.id).where(Feedback.theme_id == source.id))
    split = themes.split_theme(source.id, [one])
    assert split.parent_id == parent.id  # split off, still under the same parent


def test_themes_page_shows_parents_with_their_themes(client, runner, families):
    run(runner)
    themes.rename_theme(parent_of(families["delivery"]).id, "Deliveries <gone wrong>")
    sign_in(client, make_user("viewer"))
    body = client.get("/themes/").get_data(as_text=True)
    rows = re.findall(r"<tr class=\"[^\"]*parent\">.*?</tr>", body, re.S)
    assert len(rows) == 5
    row = next(r for r in rows if "Deliveries &lt;gone wrong&gt;" in r)
    for theme in children(parent_of(families["delivery"])):
        assert f'{theme.title}</a> <span class="hint">20 items, 1 customer</span>' in row
    assert '<td class="num">1</td>\n  <td class="num">60</td>' in row  # one customer, 60 items

    parent = parent_of(families["delivery"])
    page = client.get(f"/themes/{parent.id}").get_data(as_text=True)
    assert "3 related themes, 60 items from 1 customer." in page
    assert all(theme.title in page for theme in children(parent))
    theme = children(parent)[0]
    page = client.get(f"/themes/{theme.id}").get_data(as_text=True)
    assert f'Part of <a href="/themes/{parent.id}">Deliveries &lt;gone wrong&gt;</a>' in page


def test_a_hit_citing_a_parent_counts_its_themes_items_live(client, runner, families):
    run(runner)
    parent = parent_of(families["invoice"])
    sign_in(client, make_user("triager"))
    page = client.get(f"/themes/{parent.id}").get_data(as_text=True)
    assert f'href="/hits/new?theme={parent.id}"' in page
    form = client.get(f"/hits/new?theme={parent.id}").get_data(as_text=True)
    assert "60 items from 1 customer" in form
    client.post(f"/hits/new?theme={parent.id}", data=hit_form(title="Invoices"))
    hit = db.session.scalar(select(Hit))
    assert [t.id for t in hit.themes] == [parent.id]
    page = client.get(f"/hits/{hit.id}").get_data(as_text=True)
    assert 'id="evidence-items">60<' in page and "parent: the items of all its themes count" in page

    client.post(
        "/feedback/new",
        data={
            "text": families["invoice"][0].text,
            "channel": "ticket",
            "received_on": TODAY.isoformat(),
        },
    )
    assert 'id="evidence-items">61<' in client.get(f"/hits/{hit.id}").get_data(as_text=True)

    covered = {theme.id for theme in children(parent)}
    inbox = client.get("/hits/inbox").get_data(as_text=True)
    assert not any(f'id="theme-{theme_id}"' in inbox for theme_id in covered)  # the hit covers them
    assert f'id="theme-{children(parent_of(families["wifi"]))[0].id}"' in inbox

    # The same parent added to another hit from its page.
    other = client.post("/hits/new", data=hit_form(title="Billing")).headers["Location"]
    other_id = int(other.rsplit("/", 1)[1])
    client.post("/hits/evidence", data={"hit": other_id, "theme": parent.id})
    assert 'id="evidence-items">61<' in client.get(f"/hits/{other_id}").get_data(as_text=True)


def test_only_triagers_rename_a_parent(client, runner, families):
    run(runner)
    parent = parent_of(families["wifi"])
    sign_in(client, make_user("viewer"))
    assert client.post(f"/themes/{parent.id}/rename", data={"name": "Wifi"}).status_code == 403
    assert 'name="name"' not in client.get(f"/themes/{parent.id}").get_data(as_text=True)
    assert db.session.get(Theme, parent.id).name is None
