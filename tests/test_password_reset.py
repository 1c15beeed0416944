"""A forgotten password: a link by e-mail, in the person's language, that works once, for an hour,
and not after a later login; the page answers the same whether the e-mail is anyone's; without a
mail server it says to ask the admin. The e-mail is read as the SMTP server received it."""
import re
import uuid

import pytest
from itsdangerous import TimestampSigner

from accounts import password_reset
from accounts.models import User
from extensions import db
from tests import factories
from tests.support import services
from tests.support.account_events import assert_nothing_secret, named, recorded
from tests.support.services import messages_to

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
mail_dir = services.mail_dir
NEW_PASSWORD = "a-brand-new-secret"  # nosec B105: a test's password


@pytest.fixture
def mailing(make_app, mail_dir, world):
    """An app that sends to the test SMTP server (jobs run in its process: no Redis needed)."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=int(services.SMTP_PORT), MAIL_BACKEND="smtp",
                   BASE_URL=services.BASE_URL, MAIL_DEFAULT_SENDER="veraz@test.example")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return app, client


def spanish_address(app, user_id) -> str:
    address = f"reset-{uuid.uuid4().hex[:10]}@test.example"
    with app.app_context():
        user = db.session.get(User, user_id)
        user.email, user.language = address, "es"
        db.session.commit()
    return address


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(services.BASE_URL)}(/reset-password/\S+)", text).group(1)


def test_a_forgotten_password_is_reset_through_a_link_in_the_persons_language(mailing, world, mail_dir):
    app, client = mailing
    address = spanish_address(app, world["auditor"]["id"])
    assert b"/forgot-password" in client.get("/login").data
    with recorded() as seen:
        asked = client.post("/forgot-password", data={"email": address.upper()}, follow_redirects=True)
    assert b"If an account has this email" in asked.data

    [message] = messages_to(mail_dir, address)
    assert message["To"] == address and message["Content-Language"] == "es"
    assert "Establezca una contraseña nueva" in str(message["Subject"])
    html = message.get_body(("html",)).get_content()
    path = link_in(message)
    assert f'href="{services.BASE_URL}{path}"' in html and "60 minutos" in message.get_body(("plain",)).get_content()
    [(who, requested)] = named(seen, "password-reset-requested")
    assert who["email"] == address and requested["email"] == address.upper()
    assert_nothing_secret(seen, path.rsplit("/", 1)[1])

    with recorded() as seen:
        done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    [(_who, changed)] = named(seen, "password-changed")
    assert changed["details"] == {"how": "reset"}
    assert_nothing_secret(seen, NEW_PASSWORD)
    assert client.post("/login", data={"email": address, "password": NEW_PASSWORD}).status_code == 302
    client.post("/logout")
    # Used once: the link no longer works.
    again = client.get(path, follow_redirects=True)
    assert b"expired or was already used" in again.data and b'name="password"' not in again.data


def test_the_answer_is_the_same_for_an_email_nobody_has_and_nothing_is_sent(mailing, world, mail_dir):
    app, client = mailing
    nobody = f"nobody-{uuid.uuid4().hex[:10]}@test.example"
    known = spanish_address(app, world["auditor2"]["id"])
    answers = [client.post("/forgot-password", data={"email": email}, follow_redirects=True).data
               for email in (nobody, known)]
    assert answers[0] == answers[1]
    assert len(messages_to(mail_dir, known)) == 1
    assert messages_to(mail_dir, nobody, timeout=0) == []


def test_a_link_expires_after_an_hour_and_after_a_later_login(app, client, world, monkeypatch):
    with app.app_context():
        user = db.session.get(User, world["manager_a"]["id"])
        fresh = password_reset.make_token(user)
        stamp = TimestampSigner.get_timestamp
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: stamp(self) - 3601)
        old = password_reset.make_token(user)
        monkeypatch.undo()
    assert b"expired or was already used" in client.get(f"/reset-password/{old}", follow_redirects=True).data
    assert b'name="password"' in client.get(f"/reset-password/{fresh}").data
    # The person remembered their password after all: the link is void.
    assert client.post("/login", data={"email": world["manager_a"]["email"],
                                       "password": factories.PASSWORD}).status_code == 302
    client.post("/logout")
    assert b"expired or was already used" in client.get(f"/reset-password/{fresh}", follow_redirects=True).data
    forged = fresh[:-2] + ("AA" if not fresh.endswith("AA") else "BB")
    assert client.get(f"/reset-password/{forged}").status_code == 302


def test_without_a_mail_server_the_page_says_to_ask_the_admin(client, world):
    page = client.get("/forgot-password")
    assert b"Ask your administrator" in page.data and b'name="email"' not in page.data
