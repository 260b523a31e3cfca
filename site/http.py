"""Small request helpers shared by the apps."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default="/"):
    """The `next` parameter (POST, then GET) when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default
