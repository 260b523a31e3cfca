"""Renditions in Django's default storage: fetching the source for the worker, publishing a job's
output folder under a fresh prefix, removing an old prefix, and the URLs members get.

Only the storage API is used, so the same code serves the local disk and S3/MinIO
(django-storages). On S3 with signed URLs an HLS playlist cannot be served as a plain object: its
relative URIs would lack signatures, so playlists go through `views.hls_playlist`, which rewrites
each URI into a signed URL.
"""

import contextlib
import logging
import os
import posixpath
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.functional import empty

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
CHUNK_BYTES = 8 * 1024 * 1024


class PublishError(RuntimeError):
    pass


def rendition_prefix(media_id, job_id):
    return f"renditions/{int(media_id)}/{job_id}/"


@contextlib.contextmanager
def local_source(name, *, storage=None, directory=None, on_chunk=None):
    """Yield a local filesystem path of storage file `name`.

    A local storage gives its own path; a remote one (S3) is copied into a temporary file first,
    removed on exit, calling `on_chunk()` after each chunk (a job's heartbeat: a large upload
    takes a while to fetch). The temporary file's name keeps only the extension: the uploaded
    name is data, never part of a command line.
    """
    storage = storage or default_storage
    try:
        own_path = Path(storage.path(name))
    except NotImplementedError:
        own_path = None
    if own_path is not None:
        yield own_path
        return
    extension = posixpath.splitext(name)[1].lower()
    if not extension[1:].isalnum():
        extension = ""
    handle, temp_path = tempfile.mkstemp(prefix="dianke-source-", suffix=extension, dir=directory)
    try:
        with os.fdopen(handle, "wb") as target, storage.open(name, "rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                target.write(chunk)
                if on_chunk:
                    on_chunk()
        yield Path(temp_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)


def publish_folder(out_dir, prefix, *, storage=None, on_file=None):
    """Upload every file of `out_dir` under `prefix`, the manifest last, and return the names.

    The prefix is fresh (it holds the job id), so nothing else can be there; a name changed by the
    storage (it found a file already there) means a clash and is an error rather than a silent rename.
    """
    storage = storage or default_storage
    out_dir = Path(out_dir)
    files = sorted(p for p in out_dir.rglob("*") if p.is_file() and p.name != MANIFEST_NAME)
    manifest = out_dir / MANIFEST_NAME
    if not manifest.is_file():
        raise PublishError(f"{out_dir} has no {MANIFEST_NAME}: the transcode did not finish")
    saved = []
    for path in [*files, manifest]:
        name = prefix + path.relative_to(out_dir).as_posix()
        with path.open("rb") as handle:
            stored = storage.save(name, File(handle, name=path.name))
        saved.append(stored)
        if stored != name:
            raise PublishError(f"storage stored {name!r} as {stored!r}: the prefix was not fresh")
        if on_file:
            on_file(stored)
    return saved


def remove_prefix(prefix, *, storage=None):
    """Delete everything under `prefix` (best effort; failures are logged, not raised)."""
    storage = storage or default_storage
    if not prefix or not prefix.startswith("renditions/"):
        return 0
    removed = 0
    try:
        for name in list_files(prefix, storage=storage):
            storage.delete(name)
            removed += 1
        _remove_empty_folders(prefix, storage)
    except Exception:
        logger.exception("Could not remove the renditions under %s", prefix)
    return removed


def _remove_empty_folders(prefix, storage):
    """A local storage keeps empty folders after deletes; object stores have none."""
    try:
        root = Path(storage.path(prefix))
    except NotImplementedError:
        return
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()
    with contextlib.suppress(OSError):
        root.rmdir()


def list_files(prefix, *, storage=None):
    """All file names below `prefix` (recursive) in the storage."""
    storage = storage or default_storage
    prefix = prefix.rstrip("/")
    try:
        directories, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = [f"{prefix}/{name}" for name in files]
    for directory in directories:
        names.extend(list_files(f"{prefix}/{directory}", storage=storage))
    return names


def rendition_url(name, *, storage=None):
    return (storage or default_storage).url(name)


def signs_urls(storage=None):
    """True when the storage hands out signed (expiring) URLs, e.g. S3 with querystring auth."""
    return bool(getattr(storage or default_storage, "querystring_auth", False))


def hls_url(media, master_output):
    if signs_urls():
        return reverse("media_pipeline:hls", args=[media.pk, master_output["path"]])
    return rendition_url(media.output_name(master_output))


def rewrite_playlist(text, *, playlist_path, url_for_playlist, url_for_file):
    """Make each URI of an HLS playlist absolute: playlists via `url_for_playlist(path)`, other
    files (segments, init sections, keys) via `url_for_file(path)`; paths relative to the
    renditions root. Absolute URIs stay as they are."""
    base = posixpath.dirname(playlist_path)

    def resolve(uri):
        if "://" in uri or uri.startswith("/"):
            return uri
        path = posixpath.normpath(posixpath.join(base, uri))
        if path.startswith("../") or path == "..":
            raise ValueError(f"playlist URI {uri!r} leaves the renditions folder")
        if path.split("?")[0].endswith(".m3u8"):
            return url_for_playlist(path)
        return url_for_file(path)

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            lines.append(resolve(stripped))
        elif 'URI="' in line:
            head, _, rest = line.partition('URI="')
            uri, _, tail = rest.partition('"')
            lines.append(f'{head}URI="{resolve(uri)}"{tail}')
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def keep_one_rung(master_text, height):
    """An HLS master playlist with only the video rung of this height (and every rendition
    group, so the shared audio stays): for players that cannot be told which rung to load."""
    kept, skip_uri = [], False
    for line in master_text.splitlines():
        if line.startswith("#EXT-X-STREAM-INF:"):
            resolution = next(
                (part.split("=", 1)[1] for part in line.split(",") if part.startswith("RESOLUTION=")), ""
            )
            skip_uri = not resolution.endswith(f"x{height}")
            if skip_uri:
                continue
        elif skip_uri and line.strip() and not line.startswith("#"):
            skip_uri = False  # the URI line of a dropped rung
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def uses_s3(storage=None):
    """True when the storage is django-storages' S3 backend (browser uploads go straight to it)."""
    # Imported when asked: it imports boto3 (0.3 s at every process start), which a site on
    # its local disk never uses.
    from storages.backends.s3 import S3Storage

    return isinstance(_unwrap(storage or default_storage), S3Storage)


def s3_client_and_bucket(name, storage=None):
    """(boto3 client, bucket name, object key) for storage file `name` on the S3 backend."""
    storage = _unwrap(storage or default_storage)
    return storage.connection.meta.client, storage.bucket_name, storage._normalize_name(name)


def _unwrap(storage):
    """The storage object behind Django's lazy `default_storage`."""
    if hasattr(storage, "_setup") and hasattr(storage, "_wrapped"):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage
