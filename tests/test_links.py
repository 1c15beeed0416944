"""No page offers what its reader may not have: every role, starting from its start page on the demo
data, follows every link and every GET form it is shown (PDF, CSV and XLSX downloads included),
and none answers 403 or 404, or sends a logged-in user back to the login page."""
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

import demo

# Links that change the session or the language rather than show a page.
SKIP = re.compile(r"^/(logout|language/)")
# Each kind of page (its path with the ids blanked, and its query's keys) is followed this often:
# enough to meet every kind of link the pages offer, without rendering every audit of the demo.
PER_KIND = 2


class Links(HTMLParser):
    """The <a href> targets and the GET forms (action, fields with the values the page gives)."""

    def __init__(self):
        super().__init__()
        self.links, self.forms = [], []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            get = (a.get("method") or "get").lower() == "get"
            self._form = {"action": a.get("action") or "", "fields": []} if get else None
            if get:
                self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a or kind in ("submit", "button", "file"):
                return
            self._form["fields"].append((a["name"], a.get("value") or ""))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = [a["name"], None, None]  # name, first option, selected option
        elif self._select is not None and tag == "option":
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, first, chosen = self._select
            self._form["fields"].append((name, chosen if chosen is not None else first or ""))
            self._select = None
        elif tag == "form":
            self._form = None


def targets(page_url, html):
    """Same-origin URLs the page links to or submits a GET form to."""
    parser = Links()
    parser.feed(html)
    found = [urljoin(page_url, href) for href in parser.links]
    for form in parser.forms:
        action = urljoin(page_url, form["action"] or page_url).split("?")[0]
        found.append(action + ("?" + urlencode(form["fields"]) if form["fields"] else ""))
    out = []
    for url in found:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "") or parts.netloc not in ("localhost", ""):
            continue  # mailto:, tel:, other sites
        path = parts.path + ("?" + parts.query if parts.query else "")
        if path and not SKIP.match(parts.path):
            out.append(path)
    return out


def kind(path):
    parts = urlsplit(path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path), tuple(keys)


@pytest.fixture
def demo_data(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("role", ["admin", "manager", "auditor", "hr"])
def test_no_page_links_to_a_refusal(client, demo_data, role):
    email = next(email for r, email, *_rest in demo.USERS if r == role)
    assert client.post("/login", data={"email": email, "password": demo.PASSWORD}).status_code == 302

    queue, seen, per_kind, broken = deque([("/", "(start)")]), set(), {}, []
    while queue:
        path, linked_from = queue.popleft()
        if path in seen or per_kind.get(kind(path), 0) >= PER_KIND:
            continue
        seen.add(path)
        per_kind[kind(path)] = per_kind.get(kind(path), 0) + 1
        response = client.get(path)
        status = response.status_code
        if status in (403, 404):
            broken.append(f"{path} answers {status}; linked from {linked_from}")
        elif status in (301, 302, 303, 307, 308):
            target = urlsplit(urljoin("http://localhost" + path, response.headers["Location"]))
            if target.path == "/login":
                broken.append(f"{path} sends a logged-in {role} to the login page; linked from {linked_from}")
            else:
                queue.append((target.path + ("?" + target.query if target.query else ""), linked_from))
        elif status == 200 and response.mimetype == "text/html":
            for found in targets("http://localhost" + path, response.get_data(as_text=True)):
                queue.append((found, path))
        response.close()
    assert len(seen) > 5, seen  # the crawl got somewhere
    assert not broken, "\n".join(broken)
