"""The upload page in Debian's chromium: with JavaScript the file goes by XHR with a progress bar,
without JavaScript the plain form post works too; both end on the media's edit page, processed."""

import re

import pytest

from media_pipeline.models import LectureMedia, ProcessingState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor_login(django_user_model, root_collection):
    django_user_model.objects.create_superuser(username="uploader", email="u@example.org",
                                               password="dianke-test-pw")

    def login(page, base_url):
        page.goto(f"{base_url}/admin/login/?next=/admin/media-upload/")
        page.fill("input[name=username]", "uploader")
        page.fill("input[name=password]", "dianke-test-pw")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/admin/media-upload/$"))

    return login


def upload(page, clip):
    page.fill("input[name=title]", "第一讲 浏览器上传")
    page.set_input_files("input[name=file]", str(clip))
    page.click("#media-upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/media/edit/\d+/$"), timeout=60_000)


def test_upload_with_progress_bar(browser_page, live_server, editor_login, small_clip, output_dir):
    page = browser_page
    xhr = []
    page.on("request", lambda r: xhr.append(r) if r.headers.get("x-requested-with") else None)
    editor_login(page, live_server.url)
    assert page.locator("#media-upload-progress").is_hidden()
    upload(page, small_clip)
    assert [r.method for r in xhr if r.url.endswith("/media-upload/")] == ["POST"]
    media = LectureMedia.objects.get()
    assert media.processing_state == ProcessingState.READY
    assert "可以播放" in page.content()
    page.screenshot(path=output_dir / "edit-after-upload.png")


def test_upload_without_javascript(chromium_browser, live_server, editor_login, small_clip):
    context = chromium_browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        editor_login(page, live_server.url)
        upload(page, small_clip)
        assert LectureMedia.objects.get().processing_state == ProcessingState.READY
    finally:
        context.close()
