import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dianke.settings.dev")
django_application = get_wsgi_application()

from members.heartbeat_door import HeartbeatDoor  # noqa: E402  (needs the apps loaded)

# The progress heartbeats members send all the time take a short way past Django's full request
# cycle; everything else is Django's (members/heartbeat_door.py).
application = HeartbeatDoor(django_application)
