"""Small things a person notices: the theme-run page reads as prose, and every page has our icon."""

from tests.factories import make_user, sign_in
from voc.extensions import db
from voc.models import ThemeRun


def test_theme_run_page_shows_figures_as_a_person_reads_them(client, app):
    run = ThemeRun(
        status="done",
        n_items=2311,
        n_themes=14,
        seconds=3.14159,
        quality={
            "n_themes": 14,
            "k_requested": None,
            "largest_share": 0.04331,
            "unthemed_share": 0.125,
            "silhouette": 0.08765,
            "seconds": {"preprocess": 0.512, "cluster": 1.25, "total": 3.1},
        },
        changes={
            "new": [[7, 40], [8, 12]],
            "grown": [],
            "shrunk": [[3, 50, 41]],
            "vanished": [],
            "merged": [],
        },
    )
    db.session.add(run)
    db.session.commit()
    sign_in(client, make_user("viewer"))
    body = client.get(f"/themes/runs/{run.id}").get_data(as_text=True)
    for shown in (
        "chosen automatically",
        "4.3% of the items",
        "12.5% of the items",
        "0.09",
        "3.1 s",
        "preprocess 0.5 s, cluster 1.2 s",
        "<dt>New themes</dt><dd>2</dd>",
        "<dt>Shrunk</dt><dd>1</dd>",
    ):
        assert shown in body
    for raw in ("None", "0.04331", "{'preprocess'", "3.14159", "k requested"):
        assert raw not in body


def test_favicon_is_our_own_icon(client):
    with client.get("/favicon.ico") as response:  # asked for before anyone signs in
        assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00" and b"PNG" in response.data[:64]
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/login").get_data(as_text=True)
