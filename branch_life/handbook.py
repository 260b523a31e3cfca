"""The event's page of the 党支部工作手册, as a PDF (WeasyPrint): the time, place, host and
recorder, the attendance taken from the check-ins, the actions and their evidence, the content,
and the photos (embedded from their renditions, so that any storage works)."""

import base64
import logging

# WeasyPrint reports every step of every document at INFO, its own stylesheets already while it
# is imported; the site's log wants its problems only, so this comes before the import.
for _name in ("weasyprint", "weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.WARNING)

import weasyprint  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402

from branch_life import record  # noqa: E402

RENDITION = "max-900x700"


def _data_uri(image):
    rendition = image.get_rendition(RENDITION)
    with rendition.file.open("rb") as handle:
        data = handle.read()
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def handbook_pdf(event):
    context = record.event_record(event)
    context["photo_uris"] = [(_data_uri(p.image), p.caption) for p in context["photos"]]
    html = render_to_string("branch_life/handbook.html", context)
    return weasyprint.HTML(string=html).write_pdf()
