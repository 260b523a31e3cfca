"""An event's record as one dictionary: what the event page, the minutes and the 工作手册 PDF show."""

from branch_life import figures, rules
from branch_life.models import Attendance, Event


def event_record(event):
    attendance = list(event.attendance.select_related("member").order_by("member__number"))
    by_status = {status: [a for a in attendance if a.status == status] for status, _l in Attendance.Status.choices}
    held = event.status == Event.Status.HELD
    return {
        "event": event,
        "attendance": attendance,
        "by_status": by_status,
        "present": by_status[Attendance.Status.CHECKED_IN] + by_status[Attendance.Status.REMOTE_DONE],
        "absent": by_status[Attendance.Status.ABSENT] + (by_status[Attendance.Status.INVITED] if held else []),
        "counts": {status: len(rows) for status, rows in by_status.items()},
        "agenda": list(event.agenda.prefetch_related("payers")),
        "photos": list(event.photos.select_related("image")),
        "moves": list(event.moves.select_related("by")),
        "leave_requests": list(event.leave_requests.select_related("member")),
        "remote_reports": list(event.remote_reports.select_related("member", "photo")),
        "rule": rules.rule_for(event.organisation),
        "status_labels": figures.STATUS_LABELS,
    }
