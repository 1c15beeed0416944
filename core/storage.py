"""Where stored files live: the server's own disk (the default) or S3-compatible object storage.

One machine keeps photos under the upload folder, as always. Several app servers and workers need
one place that all of them see, and a database backup alone would lose the evidence: such an
installation sets ``STORAGE_URL=s3://BUCKET/prefix`` (AWS S3, MinIO, Ceph, R2, Scaleway; a non-AWS
server also needs ``S3_ENDPOINT_URL``; credentials come from the usual ``AWS_*`` variables, read by
boto3 itself). Everything that stores a file goes through ``storage()``; keys are relative names
such as ``3f2a….jpg`` that mean the same thing in every backend, so moving between them is a copy.

Serving stays behind the app's permission checks: ``send`` either streams the object after the
caller's check, or (``STORAGE_SERVE=redirect``) answers with a presigned URL that expires after
``STORAGE_URL_SECONDS`` (60 by default), so a URL kept after losing access soon stops working.
"""
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import Response, current_app, redirect, send_file, stream_with_context
from werkzeug.security import safe_join

CHUNK = 256 * 1024


class StorageError(RuntimeError):
    """A key that cannot name a stored file, or a backend that cannot be reached or used."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Storage:
    """The interface both backends share; ``url`` is the STORAGE_URL that made it."""

    url = ""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        raise NotImplementedError

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream; the caller closes it. FileNotFoundError when missing."""
        raise NotImplementedError

    def get(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error (deleting twice is safe)."""
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def url_for_download(self, key: str, seconds: int, content_type: str | None = None) -> str | None:
        """A presigned URL valid for ``seconds``; None when the backend has none (local disk)."""
        return None

    def keys(self) -> Iterator[str]:
        raise NotImplementedError

    def iter_checksums(self) -> Iterator[tuple[str, str]]:
        """(key, sha256 of its bytes) for every stored object, read and hashed now."""
        for key in self.keys():
            yield key, self.checksum(key)

    def checksum(self, key: str) -> str:
        digest = hashlib.sha256()
        with self.open(key) as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()


def _check_key(key: str) -> str:
    if not key or key.startswith("/") or "\\" in key or any(part in ("", ".", "..") for part in key.split("/")):
        raise StorageError(f"not a storage key: {key!r}")
    return key


class LocalStorage(Storage):
    """Files under one folder (``file:///srv/veraz/uploads``); keys are paths below it."""

    def __init__(self, root: str):
        self.root = str(Path(root))
        self.url = "file://" + self.root

    def path(self, key: str) -> str:
        path = safe_join(self.root, _check_key(key))
        if path is None:
            raise StorageError(f"not a storage key: {key!r}")
        return path

    def put(self, key, data, content_type="application/octet-stream"):
        path = self.path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Written aside, then renamed: a reader never sees half a file, and a crash leaves none.
        temporary = os.path.join(os.path.dirname(path), f".tmp-{secrets.token_hex(8)}")
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)

    def open(self, key):
        return open(self.path(key), "rb")  # noqa: SIM115  (the caller closes it)

    def delete(self, key):
        try:
            os.remove(self.path(key))
        except FileNotFoundError:
            pass

    def exists(self, key):
        return os.path.isfile(self.path(key))

    def keys(self):
        for folder, _dirs, files in os.walk(self.root):
            for name in sorted(files):
                if name.startswith(".tmp-"):
                    continue
                yield os.path.relpath(os.path.join(folder, name), self.root).replace(os.sep, "/")


class S3Storage(Storage):
    """Objects in one bucket under an optional prefix (``s3://veraz-files/production``)."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}".rstrip("/")
        # Path-style addressing works with every S3-compatible server (MinIO, Ceph, moto), not
        # only with those that have a DNS name per bucket.
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url or None,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                          retries={"max_attempts": 3, "mode": "standard"}))

    def _name(self, key: str) -> str:
        key = _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _missing(self, exc) -> bool:
        return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")

    def put(self, key, data, content_type="application/octet-stream"):
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type,
                               Metadata={"sha256": sha256_of(data)})

    def open(self, key):
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(key) from None
            raise

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key):
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def url_for_download(self, key, seconds, content_type=None):
        params = {"Bucket": self.bucket, "Key": self._name(key), "ResponseCacheControl": "private, no-store"}
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=int(seconds))

    def keys(self):
        start = f"{self.prefix}/" if self.prefix else ""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                yield item["Key"][len(start):]


def from_url(url: str, endpoint_url: str | None = None, base: str | None = None) -> Storage:
    """A backend for ``file://PATH`` (relative paths from ``base``) or ``s3://BUCKET[/prefix]``."""
    url = (url or "").strip()
    if url.startswith("file://"):
        path = url[len("file://"):]
        if not path:
            raise StorageError("file:// needs a folder, e.g. file:///srv/veraz/uploads")
        return LocalStorage(os.path.join(base or os.getcwd(), path))
    if url.startswith("s3://"):
        bucket, _sep, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise StorageError("s3:// needs a bucket, e.g. s3://veraz-files/production")
        return S3Storage(bucket, prefix, endpoint_url)
    raise StorageError(f"STORAGE_URL must start with file:// or s3://, not {url!r}")


def configured_url(app=None) -> str:
    """STORAGE_URL, or the upload folder on this server's disk when it is not set."""
    config = (app or current_app).config
    return config.get("STORAGE_URL") or "file://" + os.path.abspath(config["UPLOAD_FOLDER"])


def storage(app=None) -> Storage:
    """The app's storage, made once per app (boto3 clients are thread-safe and costly to make)."""
    app = app or current_app._get_current_object()
    made = app.extensions.get("veraz_storage")
    if made is None:
        made = from_url(configured_url(app), app.config.get("S3_ENDPOINT_URL"), base=os.path.dirname(app.instance_path))
        app.extensions["veraz_storage"] = made
    return made


def with_image_origin(csp: str) -> str:
    """The page's Content-Security-Policy, letting images follow ``send``'s redirect to the bucket
    (a browser checks the redirect's target against img-src too); unchanged when streaming."""
    if current_app.config.get("STORAGE_SERVE") != "redirect":
        return csp
    store = storage()
    if not isinstance(store, S3Storage):
        return csp
    origin = urlsplit(store.client.meta.endpoint_url)
    return csp.replace("img-src 'self'", f"img-src 'self' {origin.scheme}://{origin.netloc}", 1)


def send(key: str, mimetype: str, cache_control: str = "private, max-age=3600") -> Response:
    """Answer with the object, once the caller has checked who may see it (404 when missing).

    ``STORAGE_SERVE=redirect`` with object storage: a redirect to a URL that works for
    ``STORAGE_URL_SECONDS`` only; the redirect itself is never cached."""
    from flask import abort

    store = storage()
    if current_app.config.get("STORAGE_SERVE") == "redirect":
        url = store.url_for_download(key, current_app.config.get("STORAGE_URL_SECONDS", 60), mimetype)
        if url is not None:
            response = redirect(url, 302)
            response.headers["Cache-Control"] = "private, no-store"
            return response
    if isinstance(store, LocalStorage):
        try:
            response = send_file(store.path(key), mimetype=mimetype, max_age=0)
        except FileNotFoundError:
            abort(404)
    else:
        try:
            body = store.open(key)
        except FileNotFoundError:
            abort(404)
        response = Response(stream_with_context(body.iter_chunks(CHUNK)), mimetype=mimetype)
        response.call_on_close(body.close)
    response.headers["Cache-Control"] = cache_control
    return response
