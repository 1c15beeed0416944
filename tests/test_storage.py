"""Photos in S3-compatible object storage, against a real S3 HTTP server on loopback (moto's server
mode, started once for this module), spoken to by boto3 exactly as in production. The rest of the
suite keeps the local backend."""
import hashlib
import io
import os
import socket
import subprocess  # nosec B404: starts the venv's moto_server with fixed arguments
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from PIL import Image

from core import storage as storage_module
from tests import factories

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """One moto S3 server for the session, on a free loopback port; stopped at the end."""
    executable = Path(sys.executable).parent / "moto_server"
    assert executable.exists(), "pip install 'moto[server]' (requirements-dev.txt)"
    port = _free_port()
    process = subprocess.Popen([str(executable), "-H", "127.0.0.1", "-p", str(port)],  # noqa: S603  # nosec B603
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    saved = {key: os.environ.get(key) for key in CREDENTIALS}
    os.environ.update(CREDENTIALS)  # boto3 reads the usual AWS_* variables, as in production
    try:
        deadline = time.monotonic() + 120  # a loaded CI machine starts it slowly
        while True:
            try:
                requests.get(url, timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or slow to answer
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def bucket(s3_server):
    """A new bucket; returns (STORAGE_URL, a boto3 client to look inside)."""
    import boto3

    name = f"veraz-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket=name)
    return f"s3://{name}/evidence", client


def _objects(client, url) -> dict:
    """key -> bytes of every object under the STORAGE_URL's prefix."""
    name, _sep, prefix = url[len("s3://"):].partition("/")
    listing = client.list_objects_v2(Bucket=name, Prefix=prefix + "/").get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=name, Key=item["Key"])["Body"].read() for item in listing}


def jpeg(width=900, height=600, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


def _upload(aw, audit_id, data, **form):
    return aw.post("auditor", f"/api/v1/audits/{audit_id}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), "shop.jpg"), **form})


@pytest.fixture
def on_s3(api, bucket, s3_server):
    """The ``api`` world, its app storing in the bucket; returns (api, STORAGE_URL, client)."""
    url, client = bucket
    api.app.config.update(STORAGE_URL=url, S3_ENDPOINT_URL=s3_server)
    api.app.extensions.pop("veraz_storage", None)
    return api, url, client


def test_a_photo_uploaded_through_the_api_lands_in_the_bucket_and_nowhere_on_disk(on_s3):
    aw, url, client = on_s3
    response = _upload(aw, aw.ids["draft_a"], jpeg(), criterion="a_yes")
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert (photo["criterion"], photo["width"], photo["height"]) == ("a_yes", 900, 600)
    stored = _objects(client, url)
    assert len(stored) == 1
    (key, data), = stored.items()
    assert key.startswith("evidence/") and key.endswith(".jpg")
    assert hashlib.sha256(data).hexdigest() == photo["sha256"]
    assert os.listdir(aw.app.config["UPLOAD_FOLDER"]) == []


@pytest.mark.parametrize("serve", ["stream", "redirect"])
def test_the_photo_is_served_to_its_auditor_and_manager_and_refused_to_another_branch(on_s3, serve):
    aw, _url, _client = on_s3
    aw.app.config["STORAGE_SERVE"] = serve
    photo = _upload(aw, aw.ids["draft_a"], jpeg()).get_json()
    path = f"/api/v1/audits/{aw.ids['draft_a']}/photos/{photo['id']}"
    for who in ("auditor", "manager_a", "admin"):
        response = aw.get(who, path)
        if serve == "redirect":
            assert response.status_code == 302, who
            assert response.headers["Cache-Control"] == "private, no-store"
            target = response.headers["Location"]
            assert parse_qs(urlparse(target).query)["X-Amz-Expires"] == ["60"]  # works for a minute only
            data = requests.get(target, timeout=10).content
        else:
            assert response.status_code == 200, who
            data = response.get_data()
        assert hashlib.sha256(data).hexdigest() == photo["sha256"], who
    for who in ("manager_b", "auditor2"):
        assert aw.get(who, path).status_code == 404, who
    assert aw.get("anonymous", path).status_code == 401


def test_the_presigned_url_lives_as_long_as_the_setting_says(on_s3):
    """S3 refuses a presigned URL after X-Amz-Expires seconds (moto does not enforce it, so the test
    reads the signed expiry); the redirect itself is never cached, so each view asks the app again."""
    aw, _url, _client = on_s3
    aw.app.config.update(STORAGE_SERVE="redirect", STORAGE_URL_SECONDS=5)
    photo = _upload(aw, aw.ids["draft_a"], jpeg()).get_json()
    response = aw.get("manager_a", f"/api/v1/audits/{aw.ids['draft_a']}/photos/{photo['id']}")
    query = parse_qs(urlparse(response.headers["Location"]).query)
    assert query["X-Amz-Expires"] == ["5"] and "X-Amz-Signature" in query
    assert response.headers["Cache-Control"] == "private, no-store"
    assert aw.get("manager_b", f"/api/v1/audits/{aw.ids['draft_a']}/photos/{photo['id']}").status_code == 404


def test_pages_let_images_follow_the_redirect_to_the_bucket_only_when_redirecting(on_s3, s3_server):
    aw, _url, _client = on_s3
    streaming = aw.client.get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob:;" in streaming
    aw.app.config["STORAGE_SERVE"] = "redirect"
    redirecting = aw.client.get("/login").headers["Content-Security-Policy"]
    assert f"img-src 'self' {s3_server} data: blob:;" in redirecting


def test_a_retried_upload_with_the_same_client_id_is_stored_once(on_s3):
    aw, url, client = on_s3
    first = _upload(aw, aw.ids["draft_a"], jpeg(), client_id="phone-42")
    again = _upload(aw, aw.ids["draft_a"], jpeg(), client_id="phone-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(_objects(client, url)) == 1
    assert len(aw.get("auditor", f"/api/v1/audits/{aw.ids['draft_a']}/photos").get_json()) == 1


def test_deleting_a_photo_removes_its_object(on_s3):
    aw, url, client = on_s3
    photo = _upload(aw, aw.ids["draft_a"], jpeg()).get_json()
    assert aw.delete("auditor", f"/api/v1/audits/{aw.ids['draft_a']}/photos/{photo['id']}").status_code == 204
    assert _objects(client, url) == {}


def test_one_server_stores_and_another_serves_sharing_only_the_bucket_and_the_database(
        on_s3, make_app, tmp_path, s3_server, login_as):
    aw, url, _client = on_s3
    photo = _upload(aw, aw.ids["draft_a"], jpeg()).get_json()
    other = make_app(STORAGE_URL=url, S3_ENDPOINT_URL=s3_server, UPLOAD_FOLDER=str(tmp_path / "other-disk"))
    assert other.config["UPLOAD_FOLDER"] != aw.app.config["UPLOAD_FOLDER"]
    response = other.test_client().get(f"/api/v1/audits/{aw.ids['draft_a']}/photos/{photo['id']}",
                                       headers=aw.headers("manager_a"))
    assert response.status_code == 200
    assert hashlib.sha256(response.get_data()).hexdigest() == photo["sha256"]
    # and the web page's photo link on that server too, for the auditor
    browser = other.test_client()
    browser.post("/login", data={"email": aw.world["auditor"]["email"], "password": factories.PASSWORD})
    page = browser.get(f"/audits/{aw.ids['draft_a']}/photos/{photo['id']}")
    assert page.status_code == 200 and hashlib.sha256(page.get_data()).hexdigest() == photo["sha256"]


def test_storage_migrate_moves_a_local_installations_photos_into_the_bucket_verified(
        api, bucket, s3_server, tmp_path):
    url, client = bucket
    app = api.app
    app.config["S3_ENDPOINT_URL"] = s3_server
    app.instance_path = str(tmp_path / "instance")  # --switch writes here, not into the checkout
    os.makedirs(app.instance_path)
    photos = [_upload(api, api.ids["draft_a"], jpeg(colour=(i * 40, 20, 20))).get_json() for i in range(3)]
    local = sorted(os.listdir(app.config["UPLOAD_FOLDER"]))
    assert len(local) == 3
    runner = app.test_cli_runner()

    result = runner.invoke(args=["storage", "migrate", "--to", url])
    assert result.exit_code == 0, result.output
    assert "3 copied, 0 already there; every checksum verified: yes" in result.output
    assert "Nothing was switched" in result.output
    stored = _objects(client, url)
    assert sorted(key.removeprefix("evidence/") for key in stored) == local
    assert sorted(hashlib.sha256(data).hexdigest() for data in stored.values()) == sorted(p["sha256"] for p in photos)
    assert not os.path.exists(os.path.join(app.instance_path, "storage_url"))

    again = runner.invoke(args=["storage", "migrate", "--to", url, "--switch"])  # safe to run twice
    assert again.exit_code == 0, again.output
    assert "0 copied, 3 already there" in again.output
    assert len(_objects(client, url)) == 3
    assert Path(app.instance_path, "storage_url").read_text().strip() == url

    # a server started after the switch reads its photos from the bucket
    import config

    assert config.from_environment(app.instance_path)["STORAGE_URL"] == url
    app.config["STORAGE_URL"] = url
    app.extensions.pop("veraz_storage", None)
    for name in local:
        os.remove(os.path.join(app.config["UPLOAD_FOLDER"], name))
    response = api.get("manager_a", f"/api/v1/audits/{api.ids['draft_a']}/photos/{photos[0]['id']}")
    assert hashlib.sha256(response.get_data()).hexdigest() == photos[0]["sha256"]


def test_a_copy_that_does_not_match_its_source_is_reported_and_nothing_is_switched(
        api, bucket, s3_server, tmp_path, monkeypatch):
    url, _client = bucket
    app = api.app
    app.config["S3_ENDPOINT_URL"] = s3_server
    app.instance_path = str(tmp_path / "instance")
    os.makedirs(app.instance_path)
    _upload(api, api.ids["draft_a"], jpeg())
    real_put = storage_module.S3Storage.put
    monkeypatch.setattr(storage_module.S3Storage, "put",
                        lambda self, key, data, content_type="": real_put(self, key, data[:-1], content_type))
    result = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", url, "--switch"])
    assert result.exit_code != 0
    assert "differ from their source" in result.output
    assert not os.path.exists(os.path.join(app.instance_path, "storage_url"))


def test_the_backup_says_plainly_that_it_does_not_contain_the_stored_files(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 0, result.output
    assert "does NOT contain the stored files (photos)" in result.output
    assert app.config["UPLOAD_FOLDER"] in result.output


def test_a_storage_key_cannot_leave_its_folder(tmp_path):
    store = storage_module.from_url(f"file://{tmp_path / 'files'}")
    for key in ("../secret", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(storage_module.StorageError):
            store.put(key, b"x")
    store.put("a/b.jpg", b"x", "image/jpeg")
    assert list(store.iter_checksums()) == [("a/b.jpg", hashlib.sha256(b"x").hexdigest())]
