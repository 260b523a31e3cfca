"""The optional DVD menu: a still picture listing the lessons, with a "play all" button first.

Drawn with Pillow on a square-pixel canvas and squeezed to the DVD frame (the player stretches it
back), encoded to a one-second MPEG still, and given button highlights with dvdauthor's spumux.
"""

import os
import subprocess
from pathlib import Path
from xml.sax.saxutils import quoteattr

from PIL import Image, ImageDraw

from .disc_label import PARTY_RED, _fit_text
from .dvd import STANDARDS, DiscBuildError, MenuSpec, run_tool
from .process import child_setup

# DVD menus allow 36 buttons; two columns of nine stay readable on a television.
MAX_BUTTONS = 18
HIGHLIGHT = (255, 193, 7, 255)  # amber frame around the selected button
SELECT = (255, 255, 255, 255)


def _layout(count, width, height):
    """Button rectangles (in DVD pixels, even coordinates) for `count` buttons."""
    top, bottom = int(height * 0.26), int(height * 0.92)
    columns = 1 if count <= 9 else 2
    rows = -(-count // columns)
    row_height = min(int(height * 0.09), (bottom - top) // max(rows, 1))
    margin_x = int(width * 0.08)
    column_width = (width - 2 * margin_x) // columns
    boxes = []
    for index in range(count):
        column, row = divmod(index, rows)
        x0 = margin_x + column * column_width
        y0 = top + row * row_height
        box = (x0, y0, x0 + column_width - 8, y0 + row_height - 6)
        boxes.append(tuple(v - v % 2 for v in box))
    return boxes


def make_menu(titles, workdir, *, standard="pal", aspect="16:9", heading="", disc_number=1,
              disc_count=1):
    """Write the menu's MPEG (with buttons) into `workdir`; return a MenuSpec."""
    workdir = Path(workdir)
    width, height = STANDARDS[standard]["size"]
    labels = ["▶ 全部播放"] + [f"{n}. {title}" for n, title in enumerate(titles, start=1)]
    labels = labels[:MAX_BUTTONS]
    boxes = _layout(len(labels), width, height)
    # Draw at square pixels, then squeeze to the DVD frame.
    canvas_width = round(height * (16 / 9 if aspect == "16:9" else 4 / 3))
    scale_x = canvas_width / width
    background = Image.new("RGB", (canvas_width, height), (255, 248, 240))
    draw = ImageDraw.Draw(background)
    draw.rectangle([0, 0, canvas_width, int(height * 0.2)], fill=PARTY_RED)
    heading_text = heading or "党课"
    if disc_count > 1:
        heading_text += f"（第 {disc_number} 张 / 共 {disc_count} 张）"
    text, font = _fit_text(draw, heading_text, canvas_width * 0.84, int(height * 0.08), bold=True)
    draw.text((canvas_width * 0.08, height * 0.05), text, font=font, fill="white")
    for label, (x0, y0, x1, y1) in zip(labels, boxes, strict=True):
        box = (x0 * scale_x, y0, x1 * scale_x, y1)
        draw.rectangle(box, outline=PARTY_RED, width=2)
        text, font = _fit_text(draw, label, box[2] - box[0] - 24, int((y1 - y0) * 0.62),
                               min_size=int((y1 - y0) * 0.45))
        draw.text((box[0] + 12, y0 + (y1 - y0) * 0.12), text, font=font, fill=(40, 40, 40))
    hidden = len(titles) - (len(labels) - 1)
    if hidden > 0:  # no room for more buttons: say how to reach the rest
        note = f"第 {len(labels)}—{len(titles)} 课：选“全部播放”后按遥控器“下一章”"
        text, font = _fit_text(draw, note, canvas_width * 0.84, int(height * 0.04))
        draw.text((canvas_width * 0.08, height * 0.935), text, font=font, fill=PARTY_RED)
    background = background.resize((width, height), Image.LANCZOS)
    background_png = workdir / "menu-background.png"
    background.save(background_png)
    # Highlight and select overlays: a thick frame per button, transparent elsewhere.
    overlays = {}
    for name, color in (("highlight", HIGHLIGHT), ("select", SELECT)):
        overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        overlay_draw = ImageDraw.Draw(overlay)
        for x0, y0, x1, y1 in boxes:
            overlay_draw.rectangle((x0, y0, x1, y1), outline=color, width=4)
        path = workdir / f"menu-{name}.png"
        overlay.save(path)
        overlays[name] = path
    still_mpg = workdir / "menu-still.mpg"
    spec = STANDARDS[standard]
    run_tool(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
             "-loop", "1", "-framerate", spec["rate"], "-i", background_png,
             "-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000",
             "-t", "1", "-vf", f"setsar={spec['sar'][aspect]}", "-target", spec["target"],
             "-aspect", aspect, "-c:a", "ac3", "-b:a", "192000", still_mpg])
    buttons = "\n".join(
        f'      <button name="b{n}" x0="{x0}" y0="{y0}" x1="{x1}" y1="{y1}"/>'
        for n, (x0, y0, x1, y1) in enumerate(boxes, start=1)
    )
    spumux_xml = workdir / "menu-spumux.xml"
    spumux_xml.write_text(
        "<subpictures format=\"" + standard.upper() + "\">\n  <stream>\n"
        f'    <spu start="00:00:00.00" force="yes" highlight={quoteattr(str(overlays["highlight"]))}'
        f' select={quoteattr(str(overlays["select"]))}>\n{buttons}\n    </spu>\n'
        "  </stream>\n</subpictures>\n", encoding="utf-8")
    menu_mpg = workdir / "menu.mpg"
    with open(still_mpg, "rb") as source, open(menu_mpg, "wb") as target:
        result = subprocess.run(["spumux", "-m", "dvd", str(spumux_xml)], stdin=source,
                                stdout=target, stderr=subprocess.PIPE, cwd=workdir, preexec_fn=child_setup(),
                                env={**os.environ, "VIDEO_FORMAT": standard.upper()})
    if result.returncode != 0:
        raise DiscBuildError(f"spumux failed: {result.stderr.decode(errors='replace')[-1500:]}")
    return MenuSpec(mpg=menu_mpg, button_count=len(labels))
