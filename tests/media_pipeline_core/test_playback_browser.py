"""The pipeline's HLS output played in Debian's chromium: each master (AAC in master.m3u8, Opus in
master-opus.m3u8) by the browser's own HLS player and by hls.js's full build, with its speech
group: audio and video decoded, no media error."""

import functools
import http.server
import threading
from pathlib import Path

import pytest

from media_pipeline.core.pipeline import transcode
from media_pipeline.core.samples import make_video

HLS_JS = Path(__file__).resolve().parents[2] / "node_modules" / "hls.js" / "dist" / "hls.min.js"

PLAY = """async ([master, useHlsJs]) => {
  const video = document.createElement("video");
  video.muted = true;
  document.body.appendChild(video);
  const errors = [];
  video.addEventListener("error", () => errors.push(String(video.error && video.error.message)));
  if (useHlsJs) {
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (event, data) => { if (data.fatal) errors.push(data.details); });
    hls.loadSource(master);
    hls.attachMedia(video);
  } else {
    video.src = master;
  }
  await video.play().catch((error) => errors.push(String(error)));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return {time: video.currentTime, audio: video.webkitAudioDecodedByteCount,
          video: video.webkitVideoDecodedByteCount, errors: errors};
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The renditions of a 10 s lecture with speech (240p at 12.5 fps and 360p), over HTTP."""
    folder = tmp_path_factory.mktemp("playback")
    lecture = make_video(folder / "lecture.mp4", seconds=10, width=640, height=360, audio="speech")
    out = folder / "out"
    transcode(lecture, out)
    (out / "page.html").write_text("<!doctype html><html><body></body></html>")
    if HLS_JS.exists():
        (out / "hls.min.js").write_bytes(HLS_JS.read_bytes())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("master", ["master.m3u8", "master-opus.m3u8"])
@pytest.mark.parametrize("player", ["native", "hls.js"])
def test_each_master_plays_with_its_speech(served, chromium_browser, master, player):
    page = chromium_browser.new_page()
    try:
        page.goto(f"{served}/page.html")
        if player == "native":
            if not page.evaluate("document.createElement('video').canPlayType('application/vnd.apple.mpegurl')"):
                pytest.skip("this chromium has no HLS player of its own")
        else:
            if not HLS_JS.exists():
                pytest.fail(f"{HLS_JS} is missing: npm install (make install does it)")
            page.add_script_tag(url=f"{served}/hls.min.js")
        played = page.evaluate(PLAY, [f"{served}/{master}", player == "hls.js"])
    finally:
        page.close()
    assert played["errors"] == []
    assert played["time"] > 1.5
    assert played["audio"] > 0 and played["video"] > 0, played
