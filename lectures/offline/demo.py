"""Demo offline copies: a USB package and a disc image of the first demo course, made at once
when its media are already processed (otherwise say how to make them later). Idempotent."""

from django.contrib.auth import get_user_model

from lectures.models import CoursePage

from . import services
from .models import OfflineCopy


def load_demo(*, stdout):
    course = CoursePage.objects.live().order_by("path").first()
    if course is None:
        stdout.write("  offline: no demo course, nothing to copy")
        return
    if OfflineCopy.objects.filter(page_ids=[course.pk]).exists():
        stdout.write("  offline: demo copies already there")
        return
    try:
        services.offline_lessons(services.lessons_for([course]))
    except services.MediaNotReady:
        stdout.write(f"  offline: media of “{course.title}” still processing; make copies later with "
                     f"`manage.py make_usb_package {course.pk} --output course.zip` or from the admin")
        return
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    for kind in (OfflineCopy.Kind.USB, OfflineCopy.Kind.DISC):
        copy = services.create_copy(kind=kind, pages=[course], user=user, county="示范县委组织部")
        state = services.build_copy(copy.pk)
        stdout.write(f"  offline: {copy.get_kind_display()} of “{course.title}”: {state}")
