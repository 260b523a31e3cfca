"""The real django-storages S3 backend against moto's server over HTTP."""

import urllib.request

import boto3
import pytest
from django.core.files.base import ContentFile


@pytest.fixture
def s3_storage(moto_endpoint, settings):
    from storages.backends.s3 import S3Storage

    settings.AWS_ACCESS_KEY_ID = "testing"
    settings.AWS_SECRET_ACCESS_KEY = "testing"
    boto3.client(
        "s3", endpoint_url=moto_endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    ).create_bucket(Bucket="dianke-test")
    return S3Storage(
        bucket_name="dianke-test", endpoint_url=moto_endpoint, region_name="us-east-1",
        access_key="testing", secret_key="testing", addressing_style="path",
        querystring_auth=True, file_overwrite=False,
    )


def test_save_read_and_fetch_presigned_url(s3_storage):
    name = s3_storage.save("renditions/1/党课 第一讲.txt", ContentFile("学党章党规".encode()))
    assert s3_storage.exists(name)
    with s3_storage.open(name) as handle:
        assert handle.read().decode() == "学党章党规"
    url = s3_storage.url(name)
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read().decode() == "学党章党规"
    s3_storage.delete(name)
    assert not s3_storage.exists(name)
