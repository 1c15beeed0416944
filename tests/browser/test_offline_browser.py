"""A shopper in a basement with no signal, in a real Chromium at 390 px: My assignments is opened
with a connection, then the connection goes; an assignment never opened before is started,
answered, photographed and submitted offline; the page is closed and opened again, still offline,
and everything is still queued; the connection returns and the audit arrives submitted once, with
its photos, a photo the server refuses shown as refused and nothing else lost. The queue replayed
again by hand changes nothing. An assignment cancelled meanwhile comes back with the reason."""
import io
import shutil
import threading
import time
from datetime import date, timedelta

import pytest
from PIL import Image
from werkzeug.serving import make_server

from app import create_app
from audits.models import Assignment, Audit, Photo
from extensions import db
from tests import factories
from tests.browser.conftest import PHONE, assert_fits_phone, login
from tests.browser.test_audit_journey import assert_accessible

ANSWERS = {"a_yes": "yes", "a_no": "no", "a_na": "na", "b_scale": "4", "b_yes": "yes"}  # 61.1 % (docs/scoring.md)


def camera_jpeg(colour) -> bytes:
    """A camera-sized JPEG with EXIF (a GPS position) that the phone must reduce and leave out."""
    image = Image.new("RGB", (2400, 1200), colour)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 0.0), 3: "W", 4: (3.0, 42.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def wait_for(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


@pytest.fixture(scope="module")
def site(database_url, tmp_path_factory):
    """One app, its data and a live server for the module: three assignments of the next days."""
    folder = tmp_path_factory.mktemp("offline")
    shutil.copyfile(database_url.removeprefix("sqlite:///"), folder / "veraz.db")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'veraz.db'}",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "STORAGE_URL": None})  # CSRF on, as in use
    with app.app_context():
        world = factories.world()
        version = factories.scorecard()
        ids = []
        for days in (1, 2, 3):
            assignment = Assignment(auditor_id=world["auditor"]["id"], branch_id=world["branch_a"],
                                    scorecard_id=version.scorecard_id, due_date=date.today() + timedelta(days=days))
            db.session.add(assignment)
            db.session.flush()
            ids.append(assignment.id)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"app": app, "url": f"http://127.0.0.1:{server.server_port}", "world": world, "assignments": ids}
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def phone(site, browser):
    """The auditor's phone: logged in, My assignments opened once with a connection."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    page = context.new_page()
    login(page, site["url"], site["world"]["auditor"]["email"])
    for assignment_id in site["assignments"]:
        mark = page.locator(f'li[data-assignment="{assignment_id}"] .offline-mark')
        mark.wait_for()
        assert mark.inner_text().startswith("Ready offline · refreshed")
    assert_fits_phone(page)
    page.close()
    yield context
    context.close()


def audits_of(site, assignment_id):
    with site["app"].app_context():
        return db.session.scalars(db.select(Audit).where(Audit.assignment_id == assignment_id)).all()


def start_offline_and_submit(phone, site, assignment_id, files=()):
    """Offline: Start on My assignments (kept copy), every answer, the photos, Submit."""
    phone.set_offline(True)
    page = phone.new_page()
    page.goto(site["url"] + "/my/assignments")
    page.locator(f'li[data-assignment="{assignment_id}"] button').tap()
    page.wait_for_url(f"**/my/assignments/{assignment_id}/offline")
    for key, value in ANSWERS.items():
        page.locator(f'#q-{key} input[value="{value}"] + label').tap()
    for n, (name, data) in enumerate(files, 1):
        page.set_input_files("#photo-_audit-gallery", files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])
        page.locator("#photos li.queued").nth(n - 1).wait_for()
    page.locator("#submit-button").tap()
    page.locator("#save-status", has_text="will be sent when you are back online").wait_for()
    return page


SNAPSHOT = """async () => {
  const s = await VerazOutbox.summary();
  const photos = await Promise.all(s.photoItems.map(async p =>
      Object.assign({}, p, {blob: null, bytes: Array.from(new Uint8Array(await p.blob.arrayBuffer())),
                            type: p.blob.type})));
  return {items: s.items, photos: photos};
}"""
REPLAY = """async (snap) => {
  for (const p of snap.photos) {
    await VerazOutbox.putPhoto(Object.assign({}, p, {blob: new Blob([new Uint8Array(p.bytes)], {type: p.type}),
                                                     bytes: undefined}));
  }
  for (const item of snap.items) await VerazOutbox.putAudit(item);
  await VerazOutbox.send();
  const s = await VerazOutbox.summary();
  return s.audits + s.photos;
}"""
WAITING = "async () => { const s = await VerazOutbox.summary(); return s.audits + s.photos; }"


def test_an_audit_started_photographed_and_submitted_offline_arrives_once(site, phone):
    assignment_id = site["assignments"][0]
    files = [("front.jpg", camera_jpeg((200, 30, 30))), ("desk.jpg", camera_jpeg((30, 30, 200))),
             ("notes.jpg", b"this is not a picture at all")]
    page = start_offline_and_submit(phone, site, assignment_id, files)
    assert page.locator("#photos li.queued .photo-state").all_inner_texts() == ["Waiting to upload"] * 3
    assert "1 audit and 3 photos waiting to send" in page.locator("#outbox-status").inner_text()
    assert_fits_phone(page)
    assert_accessible(page)  # the prepared page, its queued photos and the status line
    page.close()

    # Opened again, still offline: everything is still queued, and the assignment says so.
    page = phone.new_page()
    page.goto(site["url"] + "/my/assignments")
    page.locator("#outbox-status", has_text="1 audit and 3 photos waiting to send").wait_for()
    assert page.locator(f'li[data-assignment="{assignment_id}"] .offline-mark').inner_text() == "Waiting to send"
    assert audits_of(site, assignment_id) == []
    snapshot = page.evaluate(SNAPSHOT)
    reduced = [bytes(p["bytes"]) for p in snapshot["photos"][:2]]
    assert all(p["type"] == "image/jpeg" and b"Exif" not in p_bytes and len(p_bytes) < len(files[0][1])
               for p, p_bytes in zip(snapshot["photos"], reduced, strict=False))

    # The connection returns: answers, photos, then the submission; the picture the server refuses
    # is shown with its reason and nothing else is lost.
    phone.set_offline(False)
    [audit] = wait_for(lambda: [a for a in audits_of(site, assignment_id) if a.status == "submitted"])
    assert audit.score == pytest.approx(61.111, abs=0.001)
    with site["app"].app_context():
        photos = db.session.scalars(db.select(Photo).where(Photo.audit_id == audit.id)).all()
        assert len(photos) == 2 and all(p.width == 1600 for p in photos)
    page.locator("#outbox-status", has_text="1 refused").wait_for()
    page.goto(site["url"] + "/my/outbox")
    assert "not" in page.locator("#outbox-list .reason").inner_text().lower()
    assert_fits_phone(page)
    assert_accessible(page)  # the list with a refused photo and its button

    # The same queue replayed by hand: still one audit, one copy of each photo, submitted once.
    page.evaluate(REPLAY, snapshot)
    assert wait_for(lambda: page.evaluate(WAITING) == 0)  # sent (by the page or by Background Sync)
    [again] = audits_of(site, assignment_id)
    with site["app"].app_context():
        assert db.session.scalar(db.select(db.func.count(Photo.id)).where(Photo.audit_id == again.id)) == 2
        assert [e.action for e in db.session.get(Audit, again.id).events] == ["submitted"]
    page.close()


def test_an_assignment_cancelled_while_offline_comes_back_with_the_reason(site, phone):
    assignment_id = site["assignments"][1]
    page = start_offline_and_submit(phone, site, assignment_id)
    with site["app"].app_context():
        db.session.delete(db.session.get(Assignment, assignment_id))
        db.session.commit()
    phone.set_offline(False)
    page.locator("#save-status", has_text="cancelled").wait_for()
    assert not page.locator("#submit-button").is_disabled()  # back to the shopper, answers kept
    assert page.is_checked('#q-b_yes input[value="yes"]')
    page.goto(site["url"] + "/my/outbox")
    page.locator("#outbox-list li", has_text="cancelled").wait_for()  # drawn from the phone's queue
    assert audits_of(site, assignment_id) == []
    page.close()


def test_an_unplanned_audit_starts_offline_from_the_scorecard_kept_on_the_phone(site, phone):
    branch_b = site["world"]["branch_b"]
    phone.set_offline(True)
    page = phone.new_page()
    page.goto(site["url"] + "/my/assignments")
    page.select_option("#start-branch_id", str(branch_b))
    page.get_by_role("button", name="Start the audit").tap()
    page.wait_for_url("**/my/unplanned/*/offline?branch=*")
    assert page.input_value("#branch_id") == str(branch_b)
    for key, value in ANSWERS.items():
        page.locator(f'#q-{key} input[value="{value}"] + label').tap()
    page.locator("#submit-button").tap()
    page.locator("#save-status", has_text="will be sent when you are back online").wait_for()
    phone.set_offline(False)
    page.wait_for_url("**/audits/*")  # sent: the audit's page
    with site["app"].app_context():
        [audit] = db.session.scalars(db.select(Audit).where(Audit.branch_id == branch_b)).all()
        assert audit.status == "submitted" and audit.assignment_id is None
    page.close()
