"""A member who signed in with a one-time code chooses a password before anything else."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from members.accounts import MUST_CHANGE_SESSION_KEY

# Paths a member who must change the password may still reach: the change page itself, signing
# out, the language switch, static files. The JSON API (the player's heartbeats) is left alone:
# it answers JSON to scripts, not pages to people, and is the site's busiest path.
ALLOWED_PREFIXES = ("/api/", "/static/", "/i18n/", "/accounts/logout/")


class PasswordChangeRequiredMiddleware:
    """After a sign-in with a code (members.auth), every page redirects to /me/password/ until the
    member has chosen a password. The session carries the mark (set by the login signal in
    members.apps), so no request pays a database query for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if not path.startswith(ALLOWED_PREFIXES) and request.session.get(MUST_CHANGE_SESSION_KEY):
            target = reverse("members:password")
            if path != target:
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
