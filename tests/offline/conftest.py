"""Short generated lessons for the offline-copy tests (a few seconds each: DVD encoding is slow)."""

import pytest

from media_pipeline.core.samples import make_audio, make_video


@pytest.fixture(scope="session")
def offline_clips(tmp_path_factory):
    """Two video lessons (16:9 and 4:3, 3 s and 4 s) and one audio lesson (3 s)."""
    folder = tmp_path_factory.mktemp("offline-clips")
    return {
        "wide": make_video(folder / "第一讲.mp4", seconds=3, width=480, height=270, text="第一讲"),
        "narrow": make_video(folder / "第二讲.mp4", seconds=4, width=320, height=240, text="第二讲",
                             color="0x1a237e"),
        "audio": make_audio(folder / "第三讲.m4a", seconds=3),
    }


@pytest.fixture(scope="session", autouse=True)
def _browser_before_database(request):
    """Start the shared chromium (and Playwright's event loop) before this folder's first database
    use when browser tests are selected: once the loop runs, Django hands out another connection,
    and the one opened before it would be left open (PostgreSQL then refuses to drop the test
    database at the end)."""
    if any(item.get_closest_marker("browser") or "browser_page" in getattr(item, "fixturenames", ())
           for item in request.session.items):
        request.getfixturevalue("chromium_browser")
