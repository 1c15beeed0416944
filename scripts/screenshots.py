"""Screenshots of the main pages for each role, in Spanish and English, to look at.

    .venv/bin/python scripts/screenshots.py [--out instance/screenshots] [--width 390] [--only TEXT] [--lang es|en]

Starts Veraz under gunicorn on loopback with a fresh SQLite database and the demo data (as
bench/lighthouse.py does), logs in as each demo user in Debian's Chromium and saves one full-page
PNG per page and language. It also prints every page that scrolls sideways, and every element that
sticks out of the screen, so that a problem is named even before anyone opens the pictures.
"""
import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lighthouse import PASSWORD, start_server  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

# (role, label, path or (start page, link pattern)[, selector to click then]); a pattern finds the first
# matching link; a click that submits a form is followed to the page it leads to.
PAGES = [
    (None, "login", "/login"),
    (None, "404", "/no-such-page"),
    ("auditor", "my-assignments", "/my/assignments"),
    ("auditor", "fill", ("/my/assignments", r"/audits/\d+/fill")),
    ("auditor", "audit", ("/audits", r"/audits/\d+")),
    ("auditor", "audits", "/audits"),
    ("auditor", "profile", "/profile"),
    ("admin", "audits", "/audits"),
    ("admin", "audit", ("/audits?status=submitted", r"/audits/\d+")),
    ("admin", "assignments", "/assignments"),
    ("admin", "assignment-new", "/assignments/new"),
    ("admin", "reports", "/reports"),
    ("admin", "reports-employees", "/reports/employees"),
    ("admin", "employee-report", ("/reports/employees", r"/reports/employees/\d+")),
    ("admin", "branch-report", ("/reports", r"/reports/branches/\d+")),
    ("admin", "scorecards", "/scorecards"),
    ("admin", "scorecard", ("/scorecards", r"/scorecards/\d+")),
    ("admin", "builder", ("/scorecards", r"/scorecards/\d+"),
     "form[action$='/edit'] button, a[href*='/versions/'].primary"),
    ("admin", "menu", "/reports", ".menu summary"),
    ("admin", "users", "/users"),
    ("admin", "user-new", "/users/new"),
    ("admin", "branches", "/branches"),
    ("admin", "branch-edit", ("/branches", r"/branches/\d+")),
    ("admin", "employees", "/employees"),
    ("admin", "employee-new", "/employees/new"),
    ("admin", "settings", "/settings"),
    ("admin", "profile", "/profile"),
    ("manager", "audits", "/audits"),
    ("manager", "reports", "/reports"),
    ("manager", "assignments", "/assignments"),
    ("hr", "reports-employees", "/reports/employees"),
    ("hr", "employee-report", ("/reports/employees", r"/reports/employees/\d+")),
    ("hr", "403", "/users"),
]

STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.table-wrap, .visually-hidden, .skip, details:not([open])')) continue;
    if (box.right > width + 1 || box.left < -1) {
      found.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
                 + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  }
  return found.slice(0, 5);
}"""


def resolve(page, base, target):
    if isinstance(target, str):
        return target
    start, pattern = target
    page.goto(base + start)
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if re.fullmatch(pattern, href.split("?")[0]):
            return href
    return None


def main():
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "instance" / "screenshots"))
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--height", type=int, default=844)
    parser.add_argument("--only", help="only pages whose role-label contains this text")
    parser.add_argument("--lang", choices=("es", "en"), action="append")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    problems = 0
    with tempfile.TemporaryDirectory() as tmp:
        server, base = start_server(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
                for lang in args.lang or ("es", "en"):
                    contexts = {}
                    for role, label, target, *click in PAGES:
                        name = f"{role or 'anon'}-{label}"
                        if args.only and args.only not in name:
                            continue
                        if role not in contexts:
                            contexts[role] = context = browser.new_context(
                                viewport={"width": args.width, "height": args.height},
                                is_mobile=args.width < 600, has_touch=args.width < 600,
                                locale="es-ES" if lang == "es" else "en-GB")
                            page = context.new_page()
                            if role:
                                page.goto(base + "/login")
                                page.fill("input[name=email]", f"{role}@veraz.example")
                                page.fill("input[name=password]", PASSWORD)
                                page.click("button[type=submit].primary")
                                page.wait_for_load_state("networkidle")
                        page = contexts[role].pages[0]
                        path = resolve(page, base, target)
                        if path is None:
                            print(f"{name}: no link found for {target}")
                            problems += 1
                            continue
                        page.goto(base + path)
                        if page.get_attribute("html", "lang") != lang:
                            page.evaluate("document.querySelector('.lang-switch').submit()")
                            page.wait_for_load_state("networkidle")
                            page.goto(base + path)
                        page.wait_for_load_state("networkidle")
                        if click:
                            page.click(click[0])
                            page.wait_for_load_state("networkidle")
                            path = page.url.replace(base, "")
                        file = out / f"{args.width}-{lang}-{name}.png"
                        page.screenshot(path=str(file), full_page=True)
                        overflow = page.evaluate("document.documentElement.scrollWidth - "
                                                 "document.documentElement.clientWidth")
                        sticking = page.evaluate(STICKING_OUT)
                        note = ""
                        if overflow > 0 or sticking:
                            problems += 1
                            note = f"  OVERFLOW {overflow}px {sticking}"
                        print(f"{file.name:<45} {path}{note}")
                    for context in contexts.values():
                        context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
