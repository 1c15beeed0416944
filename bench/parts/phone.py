"""Phone page weight: the bytes a phone transfers for the fill page and everything it loads
(a real Chromium)."""
from __future__ import annotations

import shutil

from bench.dataset.people import PASSWORD
from bench.parts.server import Gunicorn

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "es-ES"}


def measure_page_weight(server: Gunicorn, prep: dict) -> dict:
    """Log in, then open the fill page of a draft audit with a cold cache; every request the page
    and its service worker make is counted with its bytes on the wire (headers and body)."""
    import gzip
    import re

    executable = shutil.which("chromium")
    if executable is None:
        return {"missing": "chromium is not installed (scripts/bootstrap.sh --dev)"}
    from playwright.sync_api import sync_playwright

    resources = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(**PHONE)
        context.set_default_timeout(30_000)
        # Log in through the form with the context's request API (cookies go to the browser), so
        # that the fill page is the first page the browser loads: a cold cache.
        login = context.request.get(server.base + "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.text())
        form = {"email": prep["email"], "password": PASSWORD}
        if token:
            form["csrf_token"] = token.group(1)
        done = context.request.post(server.base + "/login", form=form, max_redirects=0)
        if done.status not in (302, 303):
            raise RuntimeError(f"login failed: HTTP {done.status}")

        def finished(request):
            try:
                response = request.response()
                sizes = request.sizes()
                body = response.body() if response is not None else b""
            except Exception:  # noqa: BLE001  a request the page dropped (the service worker may cancel one)
                return
            encoding = (response.headers.get("content-encoding") or "") if response else ""
            resources.append({
                "url": request.url.replace(server.base, ""), "type": request.resource_type,
                "status": response.status if response else None, "encoding": encoding or "none",
                "transferred": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                "body": sizes["responseBodySize"], "decoded": len(body),
                "gzip": len(gzip.compress(body, 6)) if body else 0,
                "by_service_worker": request.service_worker is not None,
                "from_service_worker": bool(response and response.from_service_worker),
            })

        context.on("requestfinished", finished)
        page = context.new_page()
        page.goto(f"{server.base}/audits/{prep['audit_id']}/fill", wait_until="networkidle")
        page.wait_for_timeout(1500)  # the service worker installs and may precache
        title = page.title()
        context.close()
        browser.close()
    network = [r for r in resources if r["transferred"] > 0]
    total = sum(r["transferred"] for r in network)
    gz = sum(min(r["gzip"], r["body"]) if r["encoding"] == "none" else r["body"] for r in network)
    return {"audit_id": prep["audit_id"], "title": title, "resources": network,
            "requests": len(resources), "network_requests": len(network),
            "transferred_kb": round(total / 1024, 1), "gzip_proxy_kb": round(gz / 1024, 1),
            "uncompressed": [r["url"] for r in network if r["encoding"] == "none" and r["gzip"] < r["body"] * 0.8],
            "app_compresses": any(r["encoding"] != "none" for r in network)}
