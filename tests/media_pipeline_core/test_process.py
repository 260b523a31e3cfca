"""Running ffmpeg: the ladder's main thread keeps its priority, its codec threads give way."""

import os
from pathlib import Path

import pytest

from media_pipeline.core.process import HELPER_THREAD_NICENESS, run_with_progress


def _ffmpeg_children():
    pids = set()
    for task in Path("/proc/self/task").iterdir():
        pids |= {int(pid) for pid in (task / "children").read_text().split()}
    return [pid for pid in pids if Path(f"/proc/{pid}/comm").read_text().strip() == "ffmpeg"]


def _niceness_by_thread(pid):
    niceness = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        niceness[int(task.name)] = int(fields[16])  # field 19 of stat(5), counted after the name
    return niceness


def _seen_while_encoding(tmp_path, **options):
    """Niceness of each thread of a threaded x264 encode, read from its progress callback."""
    seen = []

    def on_progress(percent):
        if percent >= 30 and not seen:
            [pid] = _ffmpeg_children()
            seen.append((pid, _niceness_by_thread(pid)))

    code, stderr = run_with_progress(
        ["ffmpeg", "-nostdin", "-v", "error", "-progress", "pipe:1", "-nostats", "-stats_period", "0.1",
         "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=6", "-c:v", "libx264",
         "-preset", "veryfast", "-threads", "3", "-f", "mp4", str(tmp_path / "out.mp4")],
        timeout=120, duration=6, on_progress=on_progress, **options)
    assert code == 0, stderr
    assert seen, "the encode reported no progress"
    return seen[0]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_codec_threads_give_way_to_the_main_thread(tmp_path):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    pid, niceness = _seen_while_encoding(tmp_path, favour_main_thread=True)
    helpers = {tid: nice for tid, nice in niceness.items() if tid != pid}
    assert niceness[pid] == own
    assert len(helpers) >= 3  # x264's frame threads and its lookahead
    assert set(helpers.values()) == {max(own, HELPER_THREAD_NICENESS)}


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_other_runs_keep_one_priority(tmp_path):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    _, niceness = _seen_while_encoding(tmp_path)
    assert set(niceness.values()) == {own}
