"""The plain-Python pipeline on real media made with ffmpeg: good inputs of each kind, bad inputs,
hostile file names, and the command line's contract. Outputs are checked with ffprobe."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from media_pipeline.core import pipeline
from media_pipeline.core.pipeline import PROFILES, RejectedInput, plan_rungs, transcode
from media_pipeline.core.samples import make_audio, make_video

KINDS = {"hls-master", "hls-rung", "mp4", "audio", "poster"}


def ffprobe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
                         capture_output=True, check=True).stdout
    return json.loads(out)


def streams(path, kind):
    return [s for s in ffprobe(path)["streams"] if s["codec_type"] == kind]


def outputs(manifest, kind):
    return [o for o in manifest["outputs"] if o["kind"] == kind and o.get("role") != "audio"]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    return {
        "landscape": make_video(folder / "landscape.mp4", seconds=5, width=1280, height=720, audio="speech"),
        "portrait": make_video(folder / "portrait.mp4", seconds=3, width=640, height=360, rotate=90),
        "small": make_video(folder / "small.mp4", seconds=3, width=320, height=180),
        "silent": make_video(folder / "silent.mp4", seconds=3, audio=None),
        "vfr": make_video(folder / "vfr.mp4", seconds=4, vfr=True),
        "interlaced": make_video(folder / "interlaced.mp4", seconds=3, interlaced=True),
        "short": make_video(folder / "short.mp4", seconds=1),
        "audio": make_audio(folder / "recording.m4a", seconds=4, text="不忘初心"),
    }


def check_common(manifest, out):
    assert (out / "manifest.json").is_file()
    assert json.loads((out / "manifest.json").read_text()) == json.loads(json.dumps(manifest))
    for output in manifest["outputs"]:
        assert output["kind"] in KINDS
        assert set(output) >= {"kind", "path", "width", "height", "bitrate", "bytes", "duration"}
        assert (out / output["path"]).is_file()
    assert not [p for p in out.parent.iterdir() if ".partial-" in p.name]


def test_landscape_ladder_from_one_decode(media, tmp_path):
    out = tmp_path / "out"
    seen = []
    manifest = transcode(media["landscape"], out, on_progress=seen.append)
    check_common(manifest, out)
    rungs = sorted((o["width"], o["height"]) for o in outputs(manifest, "hls-rung"))
    assert rungs == [(426, 240), (640, 360), (854, 480), (1280, 720)]  # 720p source: no 1080p
    master = (out / "master.m3u8").read_text()
    assert master.count("#EXT-X-STREAM-INF") == 4 and 'AUDIO="speech"' in master
    assert "RESOLUTION=426x240" in master and 'CODECS="avc1.64' in master
    for rung in outputs(manifest, "hls-rung"):
        playlist = (out / rung["path"]).read_text()
        assert "#EXT-X-ENDLIST" in playlist and "#EXT-X-MAP" in playlist
        assert abs(rung["duration"] - 5) < 0.1
    # The rungs a 3G phone plays are capped (VBV), 720p, beyond 3G, is not: what x264 itself wrote
    # into each rung's stream (its options, in a SEI message of the first frame).
    caps = {rung["height"]: x264_options(out / rung["path"]).get("vbv_maxrate")
            for rung in outputs(manifest, "hls-rung")}
    assert caps == {240: "300", 360: "500", 480: "800", 720: None}
    mp4 = outputs(manifest, "mp4")[0]
    info = ffprobe(out / mp4["path"])
    assert (mp4["width"], mp4["height"]) == (640, 360)
    assert abs(float(info["format"]["duration"]) - 5) < 0.1
    audio = streams(out / "audio.m4a", "audio")[0]
    assert (audio["codec_name"], audio["channels"]) == ("aac", 1)
    # The download is the first audio output (the one the site offers): AAC, which old phones play.
    assert [o["path"] for o in outputs(manifest, "audio")] == ["audio.m4a", "audio-opus.mp4"]
    assert streams(out / "audio-opus.mp4", "audio")[0]["codec_name"] == "opus"
    # faststart: the moov box comes before the media data.
    head = (out / "small.mp4").read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    assert seen and seen[-1] == 100.0 and seen == sorted(seen)
    sprite = next(o for o in manifest["outputs"] if o.get("role") == "sprite")
    sheet = streams(out / sprite["path"], "video")[0]
    assert (sheet["width"], sheet["height"]) == (sprite["width"], sprite["height"]) == (800, 180)
    assert sprite["kind"] == "poster" and sprite["columns"] * sprite["rows"] == 10
    # The phone page's poster: 640 wide, a fraction of the full one's bytes.
    small = next(o for o in manifest["outputs"] if o.get("role") == "small")
    assert (small["kind"], small["width"]) == ("poster", 640)
    assert streams(out / small["path"], "video")[0]["width"] == 640
    full = next(o for o in outputs(manifest, "poster") if not o.get("role"))
    assert small["bytes"] < full["bytes"] / 2


def x264_options(playlist):
    """x264's options as it wrote them into a rung's first segment ("x264 - core … options: a=b c=d")."""
    segment = playlist.parent / next(line for line in playlist.read_text().splitlines()
                                     if line and not line.startswith("#"))
    data = segment.read_bytes()
    start = data.index(b"x264 - core")
    text = data[start:data.index(b"\0", start)].decode()
    return dict(item.split("=", 1) for item in text.split("options: ", 1)[1].split() if "=" in item)


def master_variants(master):
    """(attributes, URI) of each variant of a master playlist, in order, and its audio groups."""
    lines = master.splitlines()
    variants = [(dict(part.split("=", 1) for part in split_attributes(line.split(":", 1)[1])), lines[i + 1])
                for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF:")]
    groups = {}
    for line in lines:
        if line.startswith("#EXT-X-MEDIA:"):
            attributes = dict(part.split("=", 1) for part in split_attributes(line.split(":", 1)[1]))
            groups[attributes["GROUP-ID"].strip('"')] = attributes["URI"].strip('"')
    return variants, groups


def split_attributes(text):
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


def test_speech_in_aac_for_every_player_and_in_opus_for_those_that_play_it(media, tmp_path):
    """master.m3u8 (the first master: what the site hands players today) has the AAC speech group;
    master-opus.m3u8 the same rungs with the Opus group, at a third of its bytes. Each names its
    codec in every variant's CODECS, so a player can tell whether it plays it."""
    out = tmp_path / "out"
    manifest = transcode(media["landscape"], out)
    assert [o["path"] for o in manifest["outputs"] if o["kind"] == "hls-master"] == ["master.m3u8", "master-opus.m3u8"]
    rungs = [o["path"] for o in outputs(manifest, "hls-rung")]
    for name, group, codec, playlist, decoded in (
        ("master.m3u8", "speech", "mp4a.40.2", "hls/audio/index.m3u8", "aac"),
        ("master-opus.m3u8", "speech-opus", "opus", "hls/audio-opus/index.m3u8", "opus"),
    ):
        variants, groups = master_variants((out / name).read_text())
        assert groups == {group: playlist}
        assert [uri for _, uri in variants] == rungs
        for attributes, _ in variants:
            assert attributes["AUDIO"] == f'"{group}"'
            assert attributes["CODECS"].strip('"').split(",")[1] == codec
        stream = streams(out / playlist, "audio")[0]
        assert (stream["codec_name"], stream["channels"]) == (decoded, 1)
    tracks = {o["path"]: o for o in manifest["outputs"] if o.get("role") == "audio"}
    assert tracks["hls/audio-opus/index.m3u8"]["bytes"] < tracks["hls/audio/index.m3u8"]["bytes"] / 2
    assert {o["codecs"] for o in tracks.values()} == {"opus", "mp4a.40.2"}


def test_the_lowest_rung_drops_every_second_frame_unless_it_is_the_only_one(media, tmp_path):
    out = tmp_path / "out"
    manifest = transcode(media["landscape"], out)
    rates = {o["height"]: o["fps"] for o in outputs(manifest, "hls-rung")}
    assert rates == {240: 12.5, 360: 25, 480: 25, 720: 25}
    assert streams(out / "hls/240p/index.m3u8", "video")[0]["avg_frame_rate"] == "25/2"
    assert streams(out / "hls/720p/index.m3u8", "video")[0]["avg_frame_rate"] == "25/1"
    variants, _ = master_variants((out / "master.m3u8").read_text())
    assert {a["RESOLUTION"]: a["FRAME-RATE"] for a, _ in variants}["426x240"] == "12.500"
    # A source no taller than the lowest rung: its one rung keeps the frame rate.
    small = transcode(media["small"], tmp_path / "small")
    assert [o["fps"] for o in outputs(small, "hls-rung")] == [25]


def test_progress_moves_while_the_ladder_runs(tmp_path):
    """Percent done follows the ladder's own progress (ffmpeg prints none before every output has
    its first frame: a sprite tiled in the run held it back to the last tenth)."""
    lecture = make_video(tmp_path / "lecture.mp4", seconds=40, width=1280, height=720)
    seen = []
    transcode(lecture, tmp_path / "out", on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 100.0
    assert len({int(percent) for percent in seen if 0 < percent < 80}) >= 3, seen
    assert {92, 96} <= set(seen)  # the steps after the ladder


def test_a_failed_speech_track_fails_the_job_and_publishes_nothing(media, tmp_path, monkeypatch):
    # The speech track has an ffmpeg of its own beside the ladder's: its failure must not be lost.
    import media_pipeline.core.pipeline as pipeline

    monkeypatch.setattr(pipeline, "_speech_audio_args", lambda bitrate, rate: ["-c:a", "no-such-encoder"])
    out = tmp_path / "out"
    with pytest.raises(pipeline.PipelineError, match="speech track"):
        transcode(media["landscape"], out)
    assert not (out / "manifest.json").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_portrait_by_rotation_stays_portrait_and_upright(media, tmp_path):
    manifest = transcode(media["portrait"], tmp_path / "out")
    assert manifest["probe"]["rotation"] == 90
    assert (manifest["probe"]["width"], manifest["probe"]["height"]) == (360, 640)
    assert sorted((o["width"], o["height"]) for o in outputs(manifest, "hls-rung")) == [(240, 426), (360, 640)]
    video = streams(tmp_path / "out" / "small.mp4", "video")[0]
    assert (video["width"], video["height"]) == (360, 640)
    assert not any("rotation" in side for side in video.get("side_data_list", []))


def test_a_source_below_the_lowest_rung_is_never_upscaled(media, tmp_path):
    manifest = transcode(media["small"], tmp_path / "out")
    assert [(o["width"], o["height"]) for o in outputs(manifest, "hls-rung")] == [(320, 180)]


def test_video_without_audio(media, tmp_path):
    manifest = transcode(media["silent"], tmp_path / "out")
    assert not outputs(manifest, "audio")
    assert [o["path"] for o in manifest["outputs"] if o["kind"] == "hls-master"] == ["master.m3u8"]
    assert streams(tmp_path / "out" / "small.mp4", "audio") == []
    assert "AUDIO=" not in (tmp_path / "out" / "master.m3u8").read_text()


def test_variable_frame_rate_becomes_constant(media, tmp_path):
    probe = transcode(media["vfr"], tmp_path / "out")["probe"]
    assert probe["vfr"] is True
    video = streams(tmp_path / "out" / "small.mp4", "video")[0]
    # Constant at the source's average rate (19.5 fps here, rounded).
    assert video["r_frame_rate"] == video["avg_frame_rate"] == f"{round(probe['fps'])}/1"


def test_interlaced_source_is_deinterlaced(media, tmp_path):
    assert transcode(media["interlaced"], tmp_path / "out")["probe"]["interlaced"] is True
    video = streams(tmp_path / "out" / "small.mp4", "video")[0]
    assert video.get("field_order", "progressive") == "progressive"


def test_very_short_clip(media, tmp_path):
    manifest = transcode(media["short"], tmp_path / "out")
    assert abs(outputs(manifest, "mp4")[0]["duration"] - 1) < 0.1


def test_audio_only_lecture_gets_audio_and_a_title_card(media, tmp_path):
    manifest = transcode(media["audio"], tmp_path / "out", title="村党课录音")
    assert sorted(o["kind"] for o in manifest["outputs"]) == ["audio", "poster"]
    assert abs(outputs(manifest, "audio")[0]["duration"] - 4) < 0.1
    poster = streams(tmp_path / "out" / "poster.jpg", "video")[0]
    assert (poster["width"], poster["height"]) == (640, 360)


def test_poster_is_not_black(tmp_path):
    # Fades in from black: the poster must come from a lit moment.
    source = tmp_path / "fade.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=white:s=320x240:d=10",
                    "-vf", "fade=in:st=0:d=3", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(source)], check=True)
    transcode(source, tmp_path / "out")
    stats = subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "out" / "poster.jpg"), "-vf",
                            "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-", "-f", "null", "-"],
                           capture_output=True, text=True).stdout
    assert float(stats.split("YAVG=")[1].split()[0]) > 40  # black is 16


@pytest.mark.parametrize("make_bad, reason", [
    (lambda p: p.write_bytes(b""), "空"),
    (lambda p: p.write_text("这不是视频" * 200), "不是可以识别的音视频"),
    (lambda p: p.write_bytes(Path(p.parent / "good.mp4").read_bytes()[:30_000]), "不完整"),
])
def test_bad_uploads_are_rejected_with_a_reason_and_leave_nothing(media, tmp_path, make_bad, reason):
    shutil.copy(media["landscape"], tmp_path / "good.mp4")
    bad = tmp_path / "bad.mp4"
    make_bad(bad)
    with pytest.raises(RejectedInput) as error:
        transcode(bad, tmp_path / "out")
    assert reason in error.value.reason_zh and error.value.reason_en
    assert not (tmp_path / "out" / "manifest.json").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_extension_that_lies_is_rejected(media, tmp_path):
    fake = tmp_path / "lecture.mp3"
    shutil.copy(media["landscape"], fake)
    with pytest.raises(RejectedInput, match="extension"):
        transcode(fake, tmp_path / "out")


def test_huge_dimensions_are_rejected_before_decoding(tmp_path):
    bomb = tmp_path / "bomb.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=8192x4320:d=0.04",
                    "-frames:v", "1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(bomb)],
                   check=True)
    with pytest.raises(RejectedInput) as error:
        transcode(bomb, tmp_path / "out")
    assert "过大" in error.value.reason_zh


@pytest.mark.parametrize("name", ["-leading dash.mp4", "quote's \"and\" spaces.mp4", "../党课 第一讲.mp4", "$(touch pwned).mp4"])
def test_file_names_are_data(media, tmp_path, name):
    folder = tmp_path / "in" / "sub"
    folder.mkdir(parents=True)
    hostile = folder / name
    shutil.copy(media["short"], hostile)
    manifest = transcode(hostile, tmp_path / "out")
    assert outputs(manifest, "mp4")
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_plan_never_upscales_and_keeps_orientation():
    phone = PROFILES["phone"]
    assert [(w, h) for _, w, h in plan_rungs(1920, 1080, phone)] == [(426, 240), (640, 360), (854, 480), (1280, 720)]
    assert [(w, h) for _, w, h in plan_rungs(1080, 1920, phone)] == [(240, 426), (360, 640), (480, 854), (720, 1280)]
    assert [(w, h) for _, w, h in plan_rungs(400, 300, phone)] == [(320, 240)]
    assert [(w, h) for _, w, h in plan_rungs(176, 144, phone)] == [(176, 144)]


@pytest.mark.parametrize("cores", [1, 2, 8])
def test_each_x264_encoder_gets_one_frame_thread_per_core_the_process_may_use(tmp_path, monkeypatch, cores):
    # A container's cpuset, not the host's count: sched_getaffinity, not cpu_count.
    monkeypatch.setattr(pipeline.os, "sched_getaffinity", lambda pid: set(range(cores)))
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 64)
    phone = PROFILES["phone"]
    plan = plan_rungs(1920, 1080, phone)
    args = pipeline._ffmpeg_ladder_args(Path("/nonexistent.mp4"), tmp_path, {"duration": 60, "fps": 25}, plan, phone, 25)
    params = [args[i + 1] for i, arg in enumerate(args) if arg == "-x264-params"]
    assert len(params) == len(plan)
    for value in params:
        threads = [item for item in value.split(":") if item.startswith("threads=")]
        assert threads == [f"threads={cores}"], value


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "media_pipeline", *map(str, args)], capture_output=True, text=True)


def test_cli_prints_the_manifest_and_saves_it_last(media, tmp_path):
    result = run_cli(media["short"], tmp_path / "out")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed == json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {"probe", "outputs"} <= set(printed)


def test_cli_rejects_bad_input_with_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("会议记录")
    result = run_cli(bad, tmp_path / "out")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "rejected:" in result.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_cli_exit_1_on_an_internal_failure(media, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    result = run_cli(media["short"], blocker / "out")  # the output folder cannot be created
    assert result.returncode == 1 and result.stderr.startswith("failed:")


def test_cli_missing_input_is_rejected(tmp_path):
    result = run_cli(tmp_path / "nope.mp4", tmp_path / "out")
    assert result.returncode == 2 and "找不到" in result.stderr
    assert not (tmp_path / "out").exists()
