"""Who may make, download and record offline copies (roles decided by members.scoping).

Editors (and administrators) make copies; editors and branch secretaries download them;
secretaries record who received a disc, only for members in their scope. The model's own
permissions (offline.make_offlinecopy, ...) can grant the same to anyone else.
"""

from members import scoping


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def can_make(user):
    return _active(user) and (scoping.is_administrator(user) or scoping.is_editor(user)
                              or user.has_perm("offline.make_offlinecopy"))


def can_record(user):
    return _active(user) and (scoping.is_administrator(user) or scoping.is_secretary(user)
                              or user.has_perm("offline.record_discdelivery"))


def can_download(user):
    return _active(user) and (can_make(user) or can_record(user)
                              or user.has_perm("offline.download_offlinecopy"))


def can_see_admin_pages(user):
    return can_download(user)
