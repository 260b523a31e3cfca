"""Shared fixtures. App-specific fixtures live in the app's test folder's conftest.py."""

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("DIANKE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}

# Playwright's sync API runs an event loop; Django refuses sync ORM calls from such a thread
# unless told it is safe (the tests, not the server, make those calls).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def wagtail_tree(request):
    """Wagtail's root page, root collection and default locale come from migrations; a
    transactional test (live server, real worker) flushes every table, so they are put back for
    the DB tests after it."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", live=True))


@pytest.fixture(autouse=True)
def fresh_caches():
    """Every cache (the menu's rendered grid, its version, item rules) starts empty in each test:
    the in-memory caches outlive the database of the test before."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def output_dir(request):
    """A folder for a test's artefacts (screenshots, generated media) under test-output/."""
    name = request.node.nodeid.replace("/", "_").replace("::", "__")
    for char in "[]<> ":
        name = name.replace(char, "_")
    path = REPO_ROOT / "test-output" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's chromium driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make install does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium_browser, output_dir):
    """A fresh phone-sized page (360x740, touch, zh-CN). On failure a screenshot is kept."""
    context = chromium_browser.new_context(
        viewport=PHONE_VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        user_agent=(
            "Mozilla/5.0 (Linux; Android 8.1.0; Redmi 5A) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/86.0.4240.99 Mobile Safari/537.36 MicroMessenger/8.0.40"
        ),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's S3 server over HTTP on 127.0.0.1 (one for the run; each test module uses its own
    bucket), for the real django-storages S3 backend."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def media_samples_dir(tmp_path_factory):
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is missing: apt-get install ffmpeg (make install does it)")
    return tmp_path_factory.mktemp("samples")


@pytest.fixture(scope="session")
def sample_video(media_samples_dir):
    """A 4-second 640x360 H.264/AAC slide clip with Chinese text and a tone."""
    from media_pipeline.core.samples import make_video

    return make_video(media_samples_dir / "sample 党课.mp4", seconds=4)


@pytest.fixture(scope="session")
def sample_audio(media_samples_dir):
    """A 4-second AAC audio clip (espeak-ng speech when available)."""
    from media_pipeline.core.samples import make_audio

    return make_audio(media_samples_dir / "sample 党课录音.m4a", seconds=4, text="党员的权利和义务")


# ---- members fixtures (member, editor, secretary, admin_user): maintained with members/ ----
# A county tree (tests.factories.make_county); `member` is a User whose `.member` profile is in
# branch "a"; `secretary` is the secretary of branch "a"; all passwords: tests.factories.PASSWORD.


@pytest.fixture(autouse=True)
def _forget_item_rules():
    """Learning-item rules are cached in process memory by page id; a rolled-back test's page id
    may come back (SQLite) with another rule."""
    from members.services import forget_item_rule

    forget_item_rule()


@pytest.fixture
def members_county(db):
    from tests.factories import make_county

    return make_county()


@pytest.fixture
def member(members_county):
    from tests.factories import make_member

    return make_member(members_county["a"], number="T0001", phone="13800000001", name="测试党员").user


@pytest.fixture
def secretary(members_county):
    from tests.factories import make_secretary_user

    return make_secretary_user(members_county["a"], "secretary")


@pytest.fixture
def editor(db):
    from tests.factories import make_editor_user

    return make_editor_user("editor")


@pytest.fixture
def admin_user(db):
    from tests.factories import make_admin_user

    return make_admin_user("admin")


# ---- end of members fixtures ----
