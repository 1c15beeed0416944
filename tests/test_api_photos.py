"""Photos through the API on the local backend: the web form's checks and permissions, the audit
detail lists its photos, deletion only while the audit may change."""
import hashlib
import io
import os

import pytest
from PIL import Image

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


def jpeg_with_gps(width=2400, height=1200) -> bytes:
    image = Image.new("RGB", (width, height), (30, 120, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 0.0), 3: "W", 4: (3.0, 42.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(aw, audit_id, data, who="auditor", name="shop.jpg", **form):
    return aw.post(who, f"/api/v1/audits/{audit_id}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), name), **form})


def test_an_auditor_uploads_a_photo_which_is_cleaned_listed_and_shown_in_the_audit(api):
    draft = api.ids["draft_a"]
    response = upload(api, draft, jpeg_with_gps(), criterion="a_yes", client_id="cam-1")
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert (photo["criterion"], photo["width"], photo["height"], photo["client_id"]) == ("a_yes", 1600, 800, "cam-1")
    stored = open(os.path.join(api.app.config["UPLOAD_FOLDER"], os.listdir(api.app.config["UPLOAD_FOLDER"])[0]),
                  "rb").read()
    assert hashlib.sha256(stored).hexdigest() == photo["sha256"]
    assert Image.open(io.BytesIO(stored)).getexif().get(0x8825) is None  # no GPS position kept
    assert api.get("manager_a", f"/api/v1/audits/{draft}/photos").get_json() == [photo]
    assert api.get("auditor", f"/api/v1/audits/{draft}").get_json()["photos"] == [photo]
    served = api.get("hr", photo["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.get_data() == stored


def test_the_web_forms_checks_apply(api):
    draft = api.ids["draft_a"]
    not_a_photo = upload(api, draft, b"%PDF-1.4 not a picture", name="x.jpg")
    assert not_a_photo.status_code == 422
    assert "not a photo" in not_a_photo.get_json()["error"]["message"]
    assert upload(api, draft, jpeg_with_gps(), criterion="no_such_question").status_code == 409  # not in its scorecard
    api.app.config["PHOTO_MAX_BYTES"] = 1000
    too_big = upload(api, draft, jpeg_with_gps())
    assert too_big.status_code == 413 and too_big.get_json()["error"]["details"] == {"max_bytes": 1000}
    as_text = api.post("auditor", f"/api/v1/audits/{draft}/photos", content_type="multipart/form-data",
                       data={"file": "not a file"})
    assert as_text.status_code == 422
    assert api.post("auditor", f"/api/v1/audits/{draft}/photos", json={}).status_code == 422
    assert api.get("auditor", f"/api/v1/audits/{draft}/photos").get_json() == []


def test_only_the_auditor_adds_and_removes_photos_and_only_while_the_audit_may_change(api):
    draft, submitted = api.ids["draft_a"], api.ids["submitted_a"]
    for who, status in (("manager_a", 403), ("admin", 403), ("hr", 403), ("manager_b", 404), ("auditor2", 404)):
        assert upload(api, draft, jpeg_with_gps(), who=who).status_code == status, who
    assert upload(api, submitted, jpeg_with_gps()).status_code == 409
    photo = upload(api, draft, jpeg_with_gps()).get_json()
    path = f"/api/v1/audits/{draft}/photos/{photo['id']}"
    api.expect("DELETE", path, {"anonymous": 401, "manager_b": 404, "manager_a": 403, "hr": 403})
    assert api.get("manager_b", path).status_code == 404
    assert api.get("auditor", f"/api/v1/audits/{submitted}/photos/{photo['id']}").status_code == 404
    assert api.delete("auditor", path).status_code == 204
    assert os.listdir(api.app.config["UPLOAD_FOLDER"]) == []
    assert api.get("auditor", path).status_code == 404
