"""Guessing passwords is slowed down in layers: from one address whatever the e-mail (spraying),
one e-mail whatever the address (a growing delay, not a lock), behind a trusted proxy by the
client's forwarded address, and never by an address a client forged."""
import re

import pytest

from accounts import throttle
from extensions import limiter
from tests import factories
from tests.support.account_events import named, recorded

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
TOO_MANY = b"Too many failed logins"


@pytest.fixture
def limited(make_app, world):
    """make_app with the limits on, the limiter's memory emptied before and after."""
    limiter.reset()

    def _make(**config):
        client = make_app(RATELIMIT_ENABLED=True, **config).test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    yield _make
    limiter.reset()


def attempt(client, email, password="not-the-password", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", data={"email": email, "password": password}, headers=headers)


def test_one_address_trying_many_emails_is_refused_within_twenty_tries(limited, world):
    client = limited()
    statuses = [attempt(client, f"person{n}@test.example").status_code for n in range(20)]
    assert 429 in statuses and statuses.index(429) < 20
    assert statuses[:10] == [200] * 10
    refused = attempt(client, world["hr"]["email"])
    assert refused.status_code == 429 and TOO_MANY in refused.data
    assert int(refused.headers["Retry-After"]) > 0


def test_the_refusal_reads_the_same_whether_the_email_exists_or_not(limited, world):
    client = limited(LOGIN_FAILURE_LIMIT="2 per minute")
    pages = {}
    for email in (world["hr"]["email"], "nobody@test.example"):
        for _ in range(2):
            assert attempt(client, email).status_code == 200
        refused = attempt(client, email)
        assert refused.status_code == 429
        # the same page but for the e-mail typed back and the form's CSRF token (it holds the time)
        pages[email] = re.sub(rb'name="csrf_token" (type="hidden" )?value="[^"]+"', b"",
                              refused.data.replace(email.encode(), b""))
    assert pages[world["hr"]["email"]] == pages["nobody@test.example"]


def test_one_email_guessed_from_many_forwarded_addresses_must_wait_longer_each_time(limited, world):
    client = limited(TRUSTED_PROXIES=1)
    email = world["manager_a"]["email"]
    statuses, waits = [], []
    for n in range(12):
        response = attempt(client, email, forwarded=f"203.0.113.{n + 1}")
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert TOO_MANY in response.data
            waits.append(int(response.headers["Retry-After"]))
    # Five failures pass (each from a new address: no per-address limit is met), the sixth
    # starts the delay, and the next try must wait.
    assert statuses[:6] == [200] * 6 and statuses[6] == 429
    assert 1 <= waits[0] <= 2
    # The wait is over (as if two seconds had passed): one more failure doubles it.
    limiter.storage.clear(throttle.WAIT + throttle._digest(email))
    assert attempt(client, email, forwarded="198.51.100.1").status_code == 200
    assert 3 <= int(attempt(client, email, forwarded="198.51.100.2").headers["Retry-After"]) <= 4


def test_a_delay_is_not_a_lock_the_right_password_works_once_it_is_over(limited, world):
    client = limited(TRUSTED_PROXIES=1)
    email = world["manager_a"]["email"]
    for n in range(6):
        attempt(client, email, forwarded=f"203.0.113.{n + 1}")
    assert attempt(client, email, factories.PASSWORD, forwarded="192.0.2.7").status_code == 429
    limiter.storage.clear(throttle.WAIT + throttle._digest(email))  # the wait is over
    assert attempt(client, email, factories.PASSWORD, forwarded="192.0.2.7").status_code == 302
    # A login that worked starts the count again.
    assert not limiter.storage.get(throttle.FAILURES + throttle._digest(email))


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(limited, world):
    client = limited(TRUSTED_PROXIES=0)
    with recorded() as seen:
        statuses = [attempt(client, f"person{n}@test.example", forwarded=f"203.0.113.{n + 1}").status_code
                    for n in range(20)]
    assert 429 in statuses  # counted under the real address, whatever the header says
    assert {kwargs["address"] for _sender, kwargs in named(seen, "login-failed")} == {"127.0.0.1"}


def test_behind_one_trusted_proxy_each_client_is_counted_by_its_own_address(limited, world):
    client = limited(TRUSTED_PROXIES=1)
    with recorded() as seen:
        statuses = [attempt(client, f"person{n}@test.example", forwarded=f"203.0.113.{n + 1}").status_code
                    for n in range(20)]
    assert statuses == [200] * 20  # twenty clients, one try each
    failed = named(seen, "login-failed")
    assert [kwargs["address"] for _sender, kwargs in failed][:2] == ["203.0.113.1", "203.0.113.2"]
    # The proxy's own address is not a client: one client behind it is still limited.
    statuses = [attempt(client, f"other{n}@test.example", forwarded="198.51.100.9").status_code for n in range(12)]
    assert statuses[-1] == 429


def test_logins_tell_the_account_signals_with_the_address_and_the_email_as_typed(limited, world):
    client = limited()
    with recorded() as seen:
        attempt(client, "  Nobody@Test.example ")
        attempt(client, world["hr"]["email"])
        attempt(client, world["hr"]["email"], factories.PASSWORD)
        client.post("/logout")
    [(nobody, unknown), (hr, wrong)] = named(seen, "login-failed")
    assert nobody is None and unknown["email"] == "Nobody@Test.example" and unknown["address"] == "127.0.0.1"
    assert hr["email"] == world["hr"]["email"] and wrong["details"] == {"step": "password"}
    [(user, ok)] = named(seen, "login-succeeded")
    assert user["email"] == world["hr"]["email"] and ok["address"] == "127.0.0.1"
    assert [sender["email"] for sender, _kwargs in named(seen, "logged-out")] == [world["hr"]["email"]]
    for _name, _sender, kwargs in seen:
        assert factories.PASSWORD not in repr(kwargs) and "not-the-password" not in repr(kwargs)


def test_asking_for_reset_links_is_limited_so_no_mailbox_is_flooded(limited, world):
    client = limited(PASSWORD_RESET_LIMIT="3 per hour")
    statuses = [client.post("/forgot-password", data={"email": world["hr"]["email"]}).status_code for _ in range(4)]
    assert statuses[-1] == 429 and 429 not in statuses[:3]
