"""Offline copies on S3 (django-storages against moto's server): renditions are read from the
bucket, the package is stored there, and the download is a signed URL with the Chinese name."""

import io
import urllib.parse
import urllib.request
import zipfile

import boto3
import pytest

from lectures.offline import services
from lectures.offline.models import OfflineCopy

from .django_helpers import make_course


@pytest.fixture
def s3_default_storage(moto_endpoint, settings):
    endpoint = moto_endpoint
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket="dianke-offline")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": "dianke-offline", "endpoint_url": endpoint, "region_name": "us-east-1",
            "access_key": "testing", "secret_key": "testing", "addressing_style": "path",
            "querystring_auth": True, "file_overwrite": False}},
    }
    return endpoint


@pytest.mark.django_db
def test_usb_package_through_s3(s3_default_storage, offline_clips, client, editor):
    course = make_course(offline_clips)
    copy = services.create_copy(kind="usb", pages=[course])
    assert services.build_copy(copy.pk) == OfflineCopy.State.READY
    stored = copy.files.get()
    client.force_login(editor)
    response = client.get(f"/offline/files/{stored.pk}/")
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith(s3_default_storage) and "X-Amz-Signature=" in url
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert "U%E7%9B%98%E5%8C%85.zip" in query["response-content-disposition"][0]
    with urllib.request.urlopen(url, timeout=20) as download:
        data = download.read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.read("02-第二讲 党的纪律.mp4") == offline_clips["narrow"].read_bytes()
