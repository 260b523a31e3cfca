"""Uploads that are playlists or other indirections must never make ffmpeg open another file.

A crafted .m3u8 (or one renamed .mp4) or an ffconcat list can point at any other local media file
(another member's upload, say) and have it transcoded as if it were the upload. The probe refuses
such formats before any demuxer follows them, and only local files are ever opened.
"""

import subprocess

import pytest

from media_pipeline.core.pipeline import RejectedInput, probe_media, transcode
from media_pipeline.core.probe import ffprobe


@pytest.fixture(scope="module")
def private_clip(tmp_path_factory):
    """Someone else's upload, elsewhere on the disk."""
    clip = tmp_path_factory.mktemp("private") / "private lecture.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=160x120:d=2", "-c:v", "libx264",
                    "-preset", "ultrafast", f"file:{clip}"], check=True)
    return clip


def _playlist(path, target):
    path.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
                    f"#EXTINF:2,\n{target}\n#EXT-X-ENDLIST\n")
    return path


@pytest.mark.parametrize("name", ["讲座.m3u8", "lecture.mp4"])
def test_playlist_upload_is_rejected(tmp_path, private_clip, name):
    upload = _playlist(tmp_path / name, private_clip)
    # Control: an unrestricted ffprobe follows the playlist into the other file.
    control = ffprobe(_playlist(tmp_path / "control.m3u8", private_clip))
    assert control["format"]["format_name"] == "hls" and control["streams"][0]["width"] == 160
    with pytest.raises(RejectedInput) as rejected:
        probe_media(upload)
    assert "音视频文件" in rejected.value.reason_zh
    out = tmp_path / "out"
    with pytest.raises(RejectedInput):
        transcode(upload, out)
    assert not out.exists() or not any(out.iterdir())


def test_concat_list_upload_is_rejected(tmp_path, private_clip):
    upload = tmp_path / "list.mp4"
    upload.write_text(f"ffconcat version 1.0\nfile '{private_clip}'\n")
    with pytest.raises(RejectedInput):
        probe_media(upload)
    assert probe_media(private_clip)["has_video"]  # the clip itself is fine: only the indirection is refused


def test_realmedia_is_still_accepted_and_transcoded(tmp_path):
    """The whitelist keeps the old formats a county library still holds (here .rmvb)."""
    upload = tmp_path / "老课件 第1讲.rmvb"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=320x240:d=2", "-f", "lavfi",
                    "-i", "sine=d=2", "-c:v", "rv20", "-c:a", "ac3", "-shortest", "-f", "rm", f"file:{upload}"],
                   check=True)
    manifest = transcode(upload, tmp_path / "out")
    assert manifest["probe"]["format"] == "rm"
    assert {o["kind"] for o in manifest["outputs"]} >= {"hls-master", "hls-rung", "mp4", "audio", "poster"}
    assert (tmp_path / "out" / "manifest.json").exists()


def test_camera_mp4_cut_short_is_called_incomplete(tmp_path):
    """Cameras write the MP4 index at the end: an interrupted upload starts right but has no index.
    The editor must read "incomplete", not "not a media file"."""
    whole = tmp_path / "camera.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=320x240:d=3", "-f", "lavfi",
                    "-i", "sine=d=3", "-shortest", "-c:v", "libx264", "-preset", "ultrafast", f"file:{whole}"],
                   check=True)
    data = whole.read_bytes()
    assert data.find(b"moov") > data.find(b"mdat")  # index at the end, like a camera's file
    cut = tmp_path / "上传中断.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(RejectedInput) as rejected:
        probe_media(cut)
    assert "不完整" in rejected.value.reason_zh and "truncated" in rejected.value.reason_en
    text = tmp_path / "notes.mp4"
    text.write_text("ftyp? 这只是一段文字。" * 50)
    with pytest.raises(RejectedInput) as rejected:
        probe_media(text)
    assert "不是可以识别的音视频" in rejected.value.reason_zh
