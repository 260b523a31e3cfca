"""Benchmark: a lesson on a weak network (issue 21) — what a member on Slow 3G waits for.

    .venv/bin/python bench/slow3g.py [--seconds 60] [--work /tmp/dianke-slow3g] [--port 8766]

Makes a lecture with the shared benchmark's make_lecture.sh (cached in --work), runs the
pipeline on it (python -m media_pipeline), builds a site around it (SQLite, local media, the
embedded default's settings, gunicorn), then drives Debian's chromium at 360x740 with Chrome's
own network emulation, the "Slow 3G" profile (400 kbit/s each way, 2,000 ms latency):

* page weight: every byte the lesson page transfers before the tap (HTML, CSS, JS, poster) —
  goal ≤ 40 KB;
* first frame: from the tap on play to the first frame presented (requestVideoFrameCallback,
  else `playing`) — goal ≤ 4 s; again when resuming at 0:30 (`#t=30`);
* what the player chose (the small MP4, a one-rung HLS playlist, hls.js), from currentSrc.

Prints one line per number with its goal and met/not met.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from _server import wait_for  # bench/ is this script's folder on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MAKE_LECTURE = ROOT.parent / "shared" / "bench" / "media" / "make_lecture.sh"
CHROMIUM = "/usr/bin/chromium"
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 400_000 / 8,
           "uploadThroughput": 400_000 / 8}
PASSWORD = "bench-slow3g-pass"


def run(args, **kwargs):
    subprocess.run([str(a) for a in args], check=True, **kwargs)


def lecture(work, seconds):
    clip = work / f"lecture-{seconds}s.mp4"
    if not clip.exists():
        env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
        run(["bash", MAKE_LECTURE, clip, seconds, 1], env=env, stdout=subprocess.DEVNULL)
    out = work / f"renditions-{seconds}s"
    if not (out / "manifest.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        run([sys.executable, "-m", "media_pipeline", clip, out], cwd=ROOT, stdout=subprocess.DEVNULL)
    return clip, out


def build_site(work, renditions, seconds):
    var = work / "var"
    shutil.rmtree(var, ignore_errors=True)
    os.environ.update({"DIANKE_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "dianke.settings.dev",
                       "SECRET_KEY": "bench-slow3g-" + "x" * 40})
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from wagtail.models import Page, Site

    from lectures.models import CoursePage, LessonPage, LibraryPage
    from media_pipeline.models import LectureMedia, ProcessingState

    call_command("migrate", verbosity=0)
    media = LectureMedia.objects.create(title="第一讲", file="media/source.mp4", type="video",
                                        duration=float(seconds))
    prefix = f"renditions/{media.pk}/job/"
    shutil.copytree(renditions, Path(settings.MEDIA_ROOT) / prefix)
    media.manifest = json.loads((renditions / "manifest.json").read_text())
    media.renditions_prefix = prefix
    media.processing_state = ProcessingState.READY
    media.save()
    home = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="dk"))
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "127.0.0.1", "root_page": home, "site_name": "点课"})
    course = home.add_child(instance=CoursePage(title="学党章", slug="xuedangzhang"))
    lesson = course.add_child(instance=LessonPage(title="第一讲 党章总纲", slug="l1", kind="video",
                                                  media=media))
    get_user_model().objects.create_user("bench", password=PASSWORD)
    return var, lesson.url


def measure(port, path, resume_at=None):
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                      has_touch=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(base + "/accounts/login/?next=/")
        page.fill("#id_username", "bench")
        page.fill("#id_password", PASSWORD)
        page.click("form.members-form button[type=submit]")
        page.wait_for_url(base + "/")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        transferred = {"bytes": 0}
        urls, parts = {}, []
        cdp.on("Network.requestWillBeSent", lambda event: urls.__setitem__(event["requestId"], event["request"]["url"]))

        def finished(event):
            transferred["bytes"] += event["encodedDataLength"]
            parts.append((urls.get(event["requestId"], "?").split("?")[0], event["encodedDataLength"]))

        cdp.on("Network.loadingFinished", finished)
        url = base + path + (f"?t={resume_at}" if resume_at else "")
        started = time.monotonic()
        page.goto(url, wait_until="load")
        page.wait_for_timeout(2500)  # anything the page still fetches by itself before a tap
        loaded = time.monotonic() - started
        weight = transferred["bytes"]
        before_tap = list(parts)
        seconds = page.evaluate("""() => new Promise(resolve => {
            const v = document.querySelector('video');
            const t0 = performance.now();
            const done = () => resolve((performance.now() - t0) / 1000);
            if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(done);
            else v.addEventListener('playing', done, {once: true});
            v.muted = true;
            v.play();
        })""")
        source = page.evaluate("document.querySelector('video').currentSrc")
        effective = page.evaluate("navigator.connection ? navigator.connection.effectiveType : ''")
        browser.close()
    return {"weight": weight, "parts": before_tap, "first_frame": seconds, "source": source, "load": loaded,
            "effective_type": effective}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--work", type=Path, default=Path("/tmp/dianke-slow3g"))
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    _clip, renditions = lecture(args.work, args.seconds)
    _var, path = build_site(args.work, renditions, args.seconds)
    env = {**os.environ}
    server = subprocess.Popen([ROOT / ".venv" / "bin" / "gunicorn", "dianke.wsgi:application", "--bind",
                               f"127.0.0.1:{args.port}", "--workers", "2", "--log-level", "warning"],
                              env=env, cwd=ROOT, start_new_session=True)
    try:
        wait_for(args.port)
        fresh = measure(args.port, path)
        resumed = measure(args.port, path, resume_at=30)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    kind = "small MP4" if ".mp4" in fresh["source"] else "HLS"
    print(f"lecture: {args.seconds} s, Slow 3G (400 kbit/s, 2,000 ms), chromium "
          f"(navigator.connection.effectiveType: {fresh['effective_type'] or 'none'}); the player chose: {kind}")
    for label, value, goal, unit in (
        ("lesson page before the tap", fresh["weight"] / 1000, 40, "KB"),
        ("first frame after the tap", fresh["first_frame"], 4, "s"),
        ("first frame when resuming at 0:30", resumed["first_frame"], 4, "s"),
    ):
        print(f"{label}: {value:.1f} {unit} (goal ≤ {goal} {unit}: {'met' if value <= goal else 'NOT met'})")
    print(f"page load under emulation: {fresh['load']:.1f} s")
    for url, size in fresh["parts"]:
        print(f"  {size / 1000:6.1f} KB  {url.replace(f'http://127.0.0.1:{args.port}', '')}")


if __name__ == "__main__":
    main()
