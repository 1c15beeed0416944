"""Two app servers on one database, as a company runs Veraz behind a load balancer: nothing shown
is older than the last approval, whichever server made it (figures are read from the database and
its monthly roll-ups, never from a cache of one process)."""
import json
import urllib.request

from accounts.models import ApiToken, User
from extensions import db
from tests import factories
from tests.support import live_server
from tests.support.quarter import build_quarter

PERIOD = "from=2025-01-01&to=2025-03-31"


def call(base, token, path, method="GET"):
    request = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None,
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (loopback)
        return json.load(answer)


def test_an_approval_through_one_server_shows_in_the_other_servers_figures_at_once(make_app, tmp_path):
    app = make_app()
    with app.app_context():
        world = factories.world()
        quarter = build_quarter(world)
        token = ApiToken.issue(db.session.get(User, world["admin"]["id"]), "two servers")[1]
        db.session.commit()
    env = {**live_server.environment(tmp_path), "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}

    with live_server.serve(env, workers=1) as first, live_server.serve(env, workers=1) as second:
        before = call(second, token, f"/api/v1/reports/overview?{PERIOD}")
        assert before["audits"] == 7  # the quarter's approved audits, read through the monthly roll-ups

        approved = call(first, token, f"/api/v1/audits/{quarter['submitted']}/approve", "POST")
        assert approved["status"] == "approved"

        after = call(second, token, f"/api/v1/reports/overview?{PERIOD}")
        assert after["audits"] == 8
        assert after["mean_score"] != before["mean_score"]  # a 100 % audit joined the mean
