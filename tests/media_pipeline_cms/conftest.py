"""Fixtures of the media CMS tests: generated clips, an admin user, media created the way an
upload creates them (the processing task runs on commit with the immediate backend)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files import File


@pytest.fixture(scope="session")
def clips_dir(tmp_path_factory):
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is missing: apt-get install ffmpeg")
    return tmp_path_factory.mktemp("cms-clips")


@pytest.fixture(scope="session")
def small_clip(clips_dir):
    """3 s, 320x180, tone: the quickest real lecture-like clip."""
    from media_pipeline.core.samples import make_video

    return make_video(clips_dir / "第一讲 党章.mp4", seconds=3, width=320, height=180, text="第一讲")


@pytest.fixture(scope="session")
def corrupt_clip(clips_dir, small_clip):
    """The first third of a real MP4 (moov at the front, media data cut off)."""
    data = small_clip.read_bytes()
    path = clips_dir / "坏文件.mp4"
    path.write_bytes(data[: len(data) // 3])
    return path


@pytest.fixture(autouse=True)
def fresh_media_root(settings, tmp_path):
    """Each test its own storage folder (media ids restart, so renditions/<id>/ would clash)."""
    settings.MEDIA_ROOT = tmp_path / "media-root"
    return settings.MEDIA_ROOT


@pytest.fixture
def root_collection(transactional_db):
    """Wagtail's root collection: its migration made it, but a transactional test's flush removes it."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")


@pytest.fixture
def media_admin(django_user_model):
    return django_user_model.objects.create_superuser(
        username="media-admin", email="media-admin@example.org", password="x"
    )


@pytest.fixture
def admin_web(client, media_admin):
    client.force_login(media_admin)
    return client


@pytest.fixture
def create_media(django_capture_on_commit_callbacks):
    """create_media(path, title=None) -> LectureMedia, processed (immediate backend) on commit."""
    from media_pipeline import services

    def create(path, title=None, **kwargs):
        path = Path(path)
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
            media = services.create_media(
                title=title or path.stem, upload=File(handle, name=path.name), **kwargs
            )
        media.refresh_from_db()
        return media

    return create


def ffprobe(path_or_url):
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path_or_url)],
        capture_output=True, timeout=30, check=True,
    )
    return json.loads(result.stdout)

