"""Photo evidence: check an uploaded image by decoding it, and store a clean copy.

What is kept is never the uploaded file: the image is decoded (so a file that only claims to be a
picture is refused), turned upright from its EXIF orientation, shrunk to at most MAX_SIDE pixels,
and written again as a JPEG without any metadata (no GPS position, no camera serial). Files get
random names in the app's storage (core/storage.py: the upload folder or a bucket); only a route
that checks who may see the audit serves them.
Nothing here knows about HTTP.
"""
import io
import os
import secrets
import threading
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from core.storage import sha256_of, storage

MAX_SIDE = 1600
JPEG_QUALITY = 82
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO")
# Decompression bombs: we refuse more pixels than this before decoding anything; Pillow's own guard
# (Image.MAX_IMAGE_PIXELS: a warning above it, an error above twice it) is turned into a refusal too.
MAX_PIXELS = min(50_000_000, Image.MAX_IMAGE_PIXELS or 50_000_000)
# WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is imported; a
# truncated upload must still be refused, so decoding turns it off for a moment, one at a time.
_strict = threading.Lock()


class PhotoError(ValueError):
    """The upload is not a usable photo; ``status`` is 413 when too large, else 422."""

    def __init__(self, message, status=422):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


@dataclass
class CleanPhoto:
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        """Of the stored bytes: what a client compares, and what ``storage migrate`` verifies."""
        return sha256_of(self.data)


def read_limited(stream, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` from ``stream``; PhotoError (413) when there is more."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoError(_("The photo is larger than %(mb)s MB. Take it again at a lower resolution.",
                           mb=_mb(max_bytes)), status=413)
    if not data:
        raise PhotoError(_("The file is empty. Choose a photo."))
    return data


def _mb(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 1 else f"{mb:.2f}"


def clean(data: bytes, max_side: int = MAX_SIDE) -> CleanPhoto:
    """Decode ``data`` as an image and return it upright, resized, as a JPEG without metadata.

    Raises PhotoError for anything that is not a decodable picture, or one with too many pixels
    (a decompression bomb: a small file that would fill the memory once decoded)."""
    not_a_photo = _("This file is not a photo Veraz can read. Use a JPEG, PNG or WebP picture.")
    too_many = _("This picture has too many pixels to be a photo. Take it again at a lower resolution.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError(not_a_photo)
            width, height = image.size
            if width < 1 or height < 1:
                raise PhotoError(not_a_photo)
            if width * height > MAX_PIXELS:
                raise PhotoError(too_many)
            with _strict:
                lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
                try:
                    image.load()  # decode every pixel: a truncated or fake file fails here
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = lenient
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                image = image.convert("RGBA")
                background = Image.new("RGB", image.size, (255, 255, 255))
                background.paste(image, mask=image.getchannel("A"))
                image = background
            elif image.mode != "RGB":
                image = image.convert("RGB")
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            # No exif= and no icc_profile=: the stored copy carries no metadata at all.
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(too_many) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError, TypeError,
            IndexError, ZeroDivisionError):
        raise PhotoError(not_a_photo) from None
    return CleanPhoto(out.getvalue(), image.width, image.height)


def save(data: bytes) -> str:
    """Store ``data`` under a new random name (core/storage.py: disk or bucket); returns the name.

    128 random bits: a name is never taken twice, so no backend needs an exclusive create."""
    name = secrets.token_hex(16) + ".jpg"
    storage().put(name, data, "image/jpeg")
    return name


def remove(name: str) -> None:
    """Delete a stored photo; one already gone is fine."""
    storage().delete(os.path.basename(name))
