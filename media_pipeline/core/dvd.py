"""What disc.py (lesson encoding, authoring, the ISO) and disc_menu.py (the menu) share: the two
DVD-Video standards, the menu's description, and running a tool with its failure as
DiscBuildError. A module of its own so that neither of the two imports the other's internals.
"""

import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .process import child_setup

logger = logging.getLogger(__name__)

STANDARDS = {
    # frame size, frame rate, sample aspect ratios for 4:3 and 16:9 (ITU-R BT.601 DVD values)
    "pal": {"size": (720, 576), "rate": "25", "target": "pal-dvd", "sar": {"4:3": "16/15", "16:9": "64/45"}},
    "ntsc": {"size": (720, 480), "rate": "30000/1001", "target": "ntsc-dvd",
             "sar": {"4:3": "8/9", "16:9": "32/27"}},
}


class DiscBuildError(RuntimeError):
    """A tool failed while making the disc; the message carries its output's tail."""


def run_tool(args, *, cwd=None, timeout=None, stdin=None):
    logger.debug("running %s", " ".join(map(str, args)))
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, timeout=timeout,
                            stdin=stdin, preexec_fn=child_setup())
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).decode(errors="replace")[-1500:]
        raise DiscBuildError(f"{args[0]} failed ({result.returncode}): {tail}")
    return result


@dataclass
class MenuSpec:
    """A simple VMGM menu: an MPEG still with spumux buttons. Button 1 plays everything."""

    mpg: Path
    button_count: int  # "play all" + one per lesson
