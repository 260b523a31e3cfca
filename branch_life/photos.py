"""Photos from a phone, made fit to keep: turned upright, downscaled to MAX_SIDE pixels and saved
again as JPEG without any EXIF (so without the GPS location a phone writes), then stored as a
Wagtail image in the collection of activity photos."""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from wagtail.images import get_image_model
from wagtail.models import Collection

MAX_SIDE = 1600
MAX_PIXELS = 60_000_000  # a decompression bomb is refused before it is decoded
QUALITY = 82
COLLECTION = "支部活动照片"


def clean_image(source):
    """JPEG bytes of the uploaded image: upright, at most MAX_SIDE wide and high, no metadata."""
    try:
        image = PILImage.open(source)
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("照片太大。"))
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        if image.mode != "RGB":
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ValidationError(_("无法读取这张照片，请上传 JPEG 或 PNG 图片。")) from error
    out = io.BytesIO()
    # No exif= argument: Pillow writes no EXIF block, so neither GPS nor camera data.
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    out.seek(0)
    return out


def collection():
    existing = Collection.objects.filter(name=COLLECTION).first()
    if existing is not None:
        return existing
    return Collection.get_first_root_node().add_child(name=COLLECTION)


def store_image(source, *, title, user=None):
    """A Wagtail image made from an upload (cleaned as above)."""
    data = clean_image(source)
    image = get_image_model()(
        title=title[:255], collection=collection(), uploaded_by_user=user,
        file=ImageFile(data, name=f"activity-{uuid.uuid4().hex[:12]}.jpg"),
    )
    image.save()
    return image
