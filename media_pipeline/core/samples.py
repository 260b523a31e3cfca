"""Generated sample media: short lecture-like clips made with ffmpeg's lavfi sources.

Used by the tests and by `manage.py load_demo`, so nothing binary needs to be shipped. A clip is a
slide (coloured background, Chinese title and body drawn with Noto Sans CJK, a moving progress bar so
frames differ) with a tone or espeak-ng speech.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from .process import child_setup

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


class SampleMediaError(RuntimeError):
    pass


def font_path():
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    raise SampleMediaError("No font found: install fonts-noto-cjk (apt-get install fonts-noto-cjk).")


def _escape_drawtext(text):
    # drawtext's own escaping: backslash, colon, quote and percent are special.
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\u2019").replace("%", "\\%")


def _run(args, timeout=120):
    result = subprocess.run(args, capture_output=True, timeout=timeout, preexec_fn=child_setup())
    if result.returncode != 0:
        raise SampleMediaError(
            f"ffmpeg failed ({result.returncode}): {result.stderr.decode(errors='replace')[-800:]}"
        )


def _speech_wav(text, seconds, directory):
    """espeak-ng Mandarin speech padded/cut to `seconds`; None when espeak-ng is missing."""
    if not shutil.which("espeak-ng"):
        return None
    wav = Path(directory) / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", "170", "-w", str(wav), text],
                   capture_output=True, timeout=60, check=True, preexec_fn=child_setup())
    return wav


def make_video(path, *, seconds=4, width=640, height=360, fps=25, text="党课示例", body="学党章党规，做合格党员",
               audio="tone", rotate=None, interlaced=False, vfr=False, color="0xb71c1c", crf=23):
    """Write a short H.264/AAC MP4 slide clip to `path` and return it as a Path.

    audio: "tone" (a 440 Hz sine), "speech" (espeak-ng reading `text` and `body`), or None.
    rotate: 90/180/270 writes that rotation as display-matrix metadata (as phones do) on a clip
    encoded at width x height. interlaced: encodes as interlaced (TFF). vfr: variable frame rate.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    font = font_path()
    title_size = max(16, height // 9)
    body_size = max(12, height // 16)
    draw = (
        f"drawtext=fontfile={font}:text='{_escape_drawtext(text)}':fontcolor=white:fontsize={title_size}"
        f":x=(w-text_w)/2:y=h*0.25,"
        f"drawtext=fontfile={font}:text='{_escape_drawtext(body)}':fontcolor=white:fontsize={body_size}"
        f":x=(w-text_w)/2:y=h*0.55,"
        f"drawbox=x=0:y=ih-ih/20:w=iw*t/{seconds}:h=ih/20:color=white@0.8:t=fill"
    )
    with tempfile.TemporaryDirectory(prefix="dianke-sample-") as tmp:
        args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", f"color=c={color}:s={width}x{height}:r={fps}:d={seconds}"]
        if audio == "tone":
            args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
        elif audio == "speech":
            wav = _speech_wav(f"{text}。{body}", seconds, tmp)
            if wav is None:
                args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
            else:
                args += ["-i", str(wav)]
        elif audio is not None:
            raise ValueError(f"audio must be 'tone', 'speech' or None, not {audio!r}")
        vf = draw
        if vfr:
            # Drop a varying subset of frames and keep their original timestamps: a VFR stream.
            vf += ",select='not(eq(mod(n\\,7)\\,3))*not(eq(mod(n\\,11)\\,5))'"
        args += ["-vf", vf, "-map", "0:v"]
        if audio is not None:
            args += ["-map", "1:a", "-c:a", "aac", "-b:a", "96k", "-af", f"apad,atrim=0:{seconds}"]
        args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
                 "-t", str(seconds)]
        if vfr:
            args += ["-fps_mode", "vfr"]
        if interlaced:
            args += ["-flags", "+ilme+ildct", "-x264opts", "tff=1", "-field_order", "tt"]
        if rotate:
            encoded = Path(tmp) / "unrotated.mp4"
            _run(args + [str(encoded)])
            # ffmpeg 5.1's MP4 muxer turns the `rotate` tag into a display matrix, as phones write it.
            _run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                  "-i", str(encoded), "-c", "copy", "-metadata:s:v:0", f"rotate={int(rotate)}",
                  "-movflags", "+faststart", str(path)])
        else:
            _run(args + ["-movflags", "+faststart", str(path)])
    return path


def make_audio(path, *, seconds=4, text=None, bitrate="96k"):
    """Write a short audio-only file (AAC in .m4a, MP3 for .mp3, WAV for .wav) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dianke-sample-") as tmp:
        wav = _speech_wav(text, seconds, tmp) if text else None
        source = (["-i", str(wav)] if wav else
                  ["-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=44100:duration={seconds}"])
        codec = {".mp3": ["-c:a", "libmp3lame"], ".wav": ["-c:a", "pcm_s16le"]}.get(
            path.suffix.lower(), ["-c:a", "aac"])
        _run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *source,
              "-af", f"apad,atrim=0:{seconds}", *codec,
              *(["-b:a", bitrate] if path.suffix.lower() != ".wav" else []), str(path)])
    return path
