"""Kinds of upload an editor really sends that went wrong: a phone recording cut short whose index
sits at the front ("faststart"), a DVD-style MPEG program stream (MPEG-2, interlaced, MP2 audio,
16:9 on 720x576 pixels), and a tiny, odd-sized source. Real ffmpeg on generated media."""

import subprocess

import pytest

from media_pipeline.core.pipeline import PROFILES, RejectedInput, plan_rungs, probe_media, transcode
from media_pipeline.core.probe import ffprobe


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def cut(path, share, name):
    data = path.read_bytes()
    target = path.with_name(name)
    target.write_bytes(data[: int(len(data) * share)])
    return target


@pytest.fixture(scope="module")
def faststart(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faststart")
    video = folder / "手机录像.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=f=440",
           "-t", "12", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-movflags", "+faststart",
           f"file:{video}")
    audio = folder / "录音.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440", "-t", "20", "-c:a", "aac", "-movflags", "+faststart", f"file:{audio}")
    return video, audio


@pytest.mark.parametrize("which", [0, 1], ids=["video", "audio"])
@pytest.mark.parametrize("share", [0.3, 0.6, 0.95])
def test_a_faststart_recording_cut_short_is_refused_as_incomplete(faststart, which, share):
    whole = faststart[which]
    assert probe_media(whole)["duration"] > 10  # the whole file is fine
    short = cut(whole, share, f"cut-{share}{whole.suffix}")
    # Control: its index is whole, so ffprobe reports the full length of what never arrived.
    assert float(ffprobe(short)["format"]["duration"]) > 10
    with pytest.raises(RejectedInput) as rejected:
        probe_media(short)
    assert "不完整" in rejected.value.reason_zh


@pytest.fixture(scope="module")
def dvd(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dvd")
    vob = folder / "VTS_01_1.VOB"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25", "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000",
           "-t", "8", "-c:v", "mpeg2video", "-b:v", "4M", "-flags", "+ilme+ildct", "-top", "1", "-aspect", "16:9",
           "-c:a", "mp2", "-b:a", "192k", "-f", "dvd", f"file:{vob}")
    mpg = folder / "老摄像机.mpg"
    mpg.write_bytes(vob.read_bytes())
    return vob, mpg


@pytest.mark.parametrize("which", [0, 1], ids=["vob", "mpg"])
def test_a_dvd_program_stream_is_accepted_deinterlaced_and_widescreen(dvd, tmp_path, which):
    probe = probe_media(dvd[which])
    assert probe["format"] == "mpeg" and probe["video_codec"] == "mpeg2video" and probe["interlaced"]
    assert (probe["width"], probe["height"]) == (1024, 576)  # 16:9 as shown, not 5:4 as coded
    manifest = transcode(dvd[which], tmp_path / "out")
    rungs = sorted((o["width"], o["height"]) for o in manifest["outputs"] if o["kind"] == "hls-rung" and o["height"])
    assert rungs == [(426, 240), (640, 360), (854, 480)]  # nothing above the source's 576 lines
    small = ffprobe(tmp_path / "out" / "small.mp4")["streams"]
    video = next(s for s in small if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (640, 360) and video.get("field_order") in (None, "progressive")


@pytest.mark.parametrize("size", ["33x17", "48x26", "90x50"])
def test_a_tiny_source_is_never_upscaled(tmp_path, size):
    source = tmp_path / f"tiny-{size}.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv444p", f"file:{source}")
    width, height = map(int, size.split("x"))
    manifest = transcode(source, tmp_path / "out")
    for output in manifest["outputs"]:
        if output["kind"] in ("hls-rung", "mp4") and output.get("height"):
            assert output["width"] <= width and output["height"] <= height, output
    encoded = next(s for s in ffprobe(tmp_path / "out" / "small.mp4")["streams"] if s["codec_type"] == "video")
    assert encoded["width"] <= width and encoded["height"] <= height


def test_odd_sides_round_down_to_even():
    plan = plan_rungs(33, 17, PROFILES["phone"])
    assert [(w, h) for _rung, w, h in plan] == [(32, 16)]
