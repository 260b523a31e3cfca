"""Local media with the promise S3 makes: every URL is unguessable and expires.

On the embedded default (and anywhere without a bucket) files live under MEDIA_ROOT and Django
serves them. Paths there are built from file names (`media/uploads/…/讲座.mp4`,
`offline/…/package.zip`), so a plain static route would hand the original upload of a
members-only lesson, or a USB package, to anyone who guesses its name. Instead the storage signs
each URL it makes (`?e=<expiry>&s=<signature>` over the file's name and the expiry) and the
media route serves a file only with a valid, unexpired signature. A URL is only ever made for
someone a view has already let see the file (the lesson's rule, the offline copy's rule), as with
S3's presigned URLs; `media_pipeline.storage.signs_urls` sees `querystring_auth` and sends HLS
playlists through the checked playlist view, which signs every segment.

Expiry falls on the end of the next whole period of AWS_QUERYSTRING_EXPIRE seconds, so a URL is
valid for one to two periods and stays the same within a period: browsers and the menu's cached
grid can keep it.
"""

import hmac
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage
from django.http import Http404
from django.views.static import serve

SALT = "dianke.media"


def _period():
    return max(60, int(getattr(settings, "AWS_QUERYSTRING_EXPIRE", 21600)))


def _signature(name, expires, disposition=""):
    return signing.Signer(salt=SALT).signature(f"{name}\n{expires}\n{disposition}")


class SignedFileSystemStorage(FileSystemStorage):
    querystring_auth = True

    def url(self, name, parameters=None):
        """`parameters` as S3Storage.url takes them; `ResponseContentDisposition` is honoured (a
        download saved under its own name), and signed with the rest."""
        base = super().url(name)
        period = _period()
        expires = (int(time.time()) // period + 2) * period
        name = name.replace("\\", "/")
        disposition = (parameters or {}).get("ResponseContentDisposition", "")
        query = {"e": expires}
        if disposition:
            query["d"] = disposition
        query["s"] = _signature(name, expires, disposition)
        return f"{base}?{urlencode(query)}"


def serve_signed(request, path):
    """A file under MEDIA_ROOT, for a request that carries a valid, unexpired signature."""
    try:
        expires = int(request.GET.get("e", ""))
    except ValueError:
        raise Http404 from None
    given, disposition = request.GET.get("s", ""), request.GET.get("d", "")
    if expires < time.time() or not hmac.compare_digest(given, _signature(path, expires, disposition)):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if disposition:
        response["Content-Disposition"] = disposition
    # The URL is someone's own: shared caches must not hand it to others.
    response["Cache-Control"] = f"private, max-age={max(0, int(expires - time.time()))}"
    return response
