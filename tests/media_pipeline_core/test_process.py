"""Running ffmpeg: the ladder's main thread keeps its priority, its codec threads give way; no
child outlives the process that started it."""

import contextlib
import os
import signal
import subprocess
import sys
import time
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


# A parent that starts one long child through a given helper of the pipeline, then waits for it.
PARENT = """
import sys
from media_pipeline.core import dvd, process

LONG_FFMPEG = ["ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "anullsrc", "-t", "120",
               "-f", "null", "-"]
helper = sys.argv[1]
if helper == "run":
    process.run(LONG_FFMPEG, timeout=300)
elif helper == "run_with_progress":
    process.run_with_progress(LONG_FFMPEG[:-3] + ["-progress", "pipe:1", "-f", "null", "-"],
                              timeout=300, duration=120, on_progress=lambda percent: None)
elif helper == "run_tool":
    dvd.run_tool(["sleep", "120"])
"""


def _children(pid):
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # killed, not yet reaped by its new parent


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("helper", ["run", "run_with_progress", "run_tool"])
def test_a_child_dies_with_the_process_that_started_it(helper):
    """A worker killed mid-job (SIGKILL: no chance to clean up) takes its ffmpeg, ffprobe or disc
    tool along, rather than leaving it writing into the job's temporary folder."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT, helper])
    child = None
    try:
        assert _wait(lambda: _children(parent.pid), 30), "the parent started no child"
        [child] = _children(parent.pid)
        parent.kill()
        parent.wait(timeout=10)
        assert _wait(lambda: not _alive(child), 3), "the child outlived its parent"
    finally:
        parent.kill()
        parent.wait(timeout=10)
        if child is not None:  # never leave it running after a failure
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
