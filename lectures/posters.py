"""A course card's picture when the editor chose no poster: its first video lesson's poster frame
(the pipeline's poster.jpg), made a Wagtail image so the menu gets the same small rendition
(lectures.library.POSTER_SPEC, about 3 KB) as an editor's poster instead of a "课" placeholder."""

import hashlib
import logging
import posixpath

from django.core.files.images import ImageFile
from wagtail.images import get_image_model

logger = logging.getLogger(__name__)


def _name(media):
    # The renditions' prefix changes with every published job: a new frame after a re-process.
    token = hashlib.sha1(media.renditions_prefix.encode()).hexdigest()[:10]
    return f"course-frame-{media.pk}-{token}.jpg"


def frame_poster(course, lessons):
    """The course's frame image (made now if needed), or None when the editor set a poster or no
    video lesson has a published poster. The previous frame image is deleted when replaced."""
    current = course.frame_poster if course.frame_poster_id else None
    lesson = None
    if course.poster_id is None:
        # Published renditions (LectureMedia.is_ready), whatever a later job is doing.
        lesson = (lessons.filter(media__type="video").exclude(media__renditions_prefix="")
                  .select_related("media").first())
    media = lesson.media if lesson is not None else None
    if media is None or not media.outputs("poster"):
        _drop(current)
        return None
    name = _name(media)
    # The storage may add a suffix to a name it already has: compare the stem.
    if current is not None and posixpath.basename(current.file.name).startswith(name[:-4]):
        return current
    try:
        with media.open_output("poster") as source:
            image = get_image_model()(title=f"{course.title} · 画面", file=ImageFile(source, name=name))
            image.save()
    except (LookupError, OSError) as error:  # renditions gone from the storage: keep the placeholder
        logger.warning("no poster frame for course %s from media %s: %s", course.pk, media.pk, error)
        return current
    _drop(current)
    return image


def _drop(image):
    if image is not None:
        image.delete()
