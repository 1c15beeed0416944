"""Photo evidence: real pictures are cleaned (upright, resized, no EXIF or GPS), anything else is
refused with a message, and a photo is served only to those who may see its audit."""
import io
import os
import uuid

import pytest
from PIL import Image

from audits import services
from audits.answers import answer_values
from audits.models import Audit, Photo
from extensions import db
from tests import factories

JSON = {"Accept": "application/json"}


def jpeg_with_gps(width=2000, height=1000, orientation=6) -> bytes:
    """A camera-like JPEG: EXIF orientation 'rotate 90' and a GPS position."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue: shows the rotation
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = {1: "N", 2: (40.0, 25.0, 0.0), 3: "W", 4: (3.0, 42.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def draft(app, world):
    from accounts.models import User

    with app.app_context():
        version = factories.scorecard()
        user = db.session.get(User, world["auditor"]["id"])
        audit = services.create_audit(user, scorecard=version.scorecard, branch=world["branch_a"],
                                      client_id=str(uuid.uuid4()))
        db.session.commit()
        return audit.id


def upload(client, audit_id, data, name="photo.jpg", criterion="", **extra):
    return client.post(f"/audits/{audit_id}/photos", headers=JSON, content_type="multipart/form-data",
                       data={"photo": (io.BytesIO(data), name), "criterion": criterion, **extra})


def test_a_camera_photo_is_stored_upright_resized_and_without_gps(app, client, login_as, draft):
    login_as("auditor")
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825) is not None
    response = upload(client, draft, original, criterion="a_yes")
    assert response.status_code == 201
    assert (response.json["width"], response.json["height"]) == (800, 1600)  # turned upright, max 1600 px
    with app.app_context():
        photo = db.session.get(Photo, response.json["id"])
        path = os.path.join(app.config["UPLOAD_FOLDER"], photo.filename)
        assert photo.criterion_key == "a_yes" and photo.filename.endswith(".jpg")
        assert "photo" not in photo.filename
    stored = Image.open(path)
    assert stored.format == "JPEG" and stored.size == (800, 1600)
    assert len(stored.getexif()) == 0 and "exif" not in stored.info
    assert b"PhoneMaker" not in open(path, "rb").read()
    top = stored.convert("RGB").getpixel((400, 100))
    assert top[2] > 150 and top[0] < 100  # the blue half is on top after turning upright
    served = client.get(response.json["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"].startswith("private")


def test_png_with_transparency_and_a_photo_for_the_whole_audit(client, login_as, draft):
    login_as("auditor")
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    response = upload(client, draft, out.getvalue(), name="screenshot.png")
    assert response.status_code == 201 and response.json["criterion"] is None


@pytest.mark.parametrize("data, name, message", [
    (b"this is not a picture at all", "photo.jpg", b"not a photo"),
    (b"%PDF-1.4 pretending", "photo.png", b"not a photo"),
    (b"", "empty.jpg", b"empty"),
])
def test_anything_that_is_not_a_picture_is_refused_with_a_message(app, client, login_as, draft, data, name, message):
    login_as("auditor")
    response = upload(client, draft, data, name=name)
    assert response.status_code == 422 and message in response.data
    assert response.json["error"]["message"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Photo.id))) == 0
    assert os.listdir(app.config["UPLOAD_FOLDER"]) == []


def test_a_truncated_jpeg_is_refused(client, login_as, draft):
    login_as("auditor")
    data = jpeg_with_gps()
    response = upload(client, draft, data[: len(data) // 2])
    assert response.status_code == 422


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, login_as, draft):
    login_as("auditor")
    bomb = Image.new("1", (10_000, 6_000))  # 60 million pixels in a few kilobytes of PNG
    out = io.BytesIO()
    bomb.save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 200_000
    response = upload(client, draft, out.getvalue(), name="bomb.png")
    assert response.status_code == 422 and b"too many pixels" in response.data


def test_a_photo_over_the_size_limit_gets_413_with_the_limit(app, client, login_as, draft):
    app.config["PHOTO_MAX_BYTES"] = 20_000
    login_as("auditor")
    noisy = Image.effect_noise((400, 400), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > 20_000
    response = upload(client, draft, out.getvalue())
    assert response.status_code == 413 and b"larger than" in response.data
    assert response.json["error"]["details"]["max_bytes"] == 20_000


@pytest.mark.parametrize("role, status", [("auditor", 200), ("auditor2", 404), ("manager_a", 200),
                                          ("manager_b", 404), ("hr", 200), ("admin", 200)])
def test_a_photo_is_served_only_to_those_who_may_see_the_audit(app, client, login_as, draft, role, status):
    login_as("auditor")
    url = upload(client, draft, jpeg_with_gps(400, 300)).json["url"]
    login_as(role)
    assert client.get(url).status_code == status


def test_a_photo_is_not_reachable_through_another_audit(app, client, login_as, world, draft):
    login_as("auditor")
    photo_id = upload(client, draft, jpeg_with_gps(400, 300)).json["id"]
    with app.app_context():
        from accounts.models import User

        user = db.session.get(User, world["auditor"]["id"])
        other = services.create_audit(user, scorecard=db.session.get(Audit, draft).version.scorecard,
                                      branch=world["branch_a"], client_id=str(uuid.uuid4()))
        db.session.commit()
        other_id = other.id
    assert client.get(f"/audits/{other_id}/photos/{photo_id}").status_code == 404


def test_only_the_auditor_adds_photos_and_only_while_it_can_change(app, client, login_as, draft):
    login_as("manager_a")
    assert upload(client, draft, jpeg_with_gps(400, 300)).status_code == 403
    login_as("auditor2")
    assert upload(client, draft, jpeg_with_gps(400, 300)).status_code == 404
    login_as("auditor")
    assert upload(client, draft, jpeg_with_gps(400, 300), criterion="ghost").status_code == 409  # not its scorecard's


def test_without_javascript_the_photo_button_also_saves_the_answers(app, client, login_as, draft):
    login_as("auditor")
    response = client.post(f"/audits/{draft}/photos", content_type="multipart/form-data", data={
        "a-a_yes": "yes", "c-a_yes": "See the photo", "criterion": "a_yes",
        "photo-a_yes": (io.BytesIO(jpeg_with_gps(400, 300)), "IMG_0001.JPG")})
    assert response.status_code == 302 and response.headers["Location"].endswith("#q-a_yes")
    with app.app_context():
        audit = db.session.get(Audit, draft)
        assert answer_values(audit) == {"a_yes": "yes"} and len(audit.photos) == 1
        photo_id, name = audit.photos[0].id, audit.photos[0].filename
    fill = client.get(f"/audits/{draft}/fill").data.decode()
    assert f"/audits/{draft}/photos/{photo_id}" in fill and 'capture="environment"' in fill
    removed = client.post(f"/audits/{draft}/photos/{photo_id}/delete", data={})
    assert removed.status_code == 302
    assert not os.path.exists(os.path.join(app.config["UPLOAD_FOLDER"], name))
