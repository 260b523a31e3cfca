"""Who reaches the offline-copy pages and files, and the commands' answers to bad input."""

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from lectures.offline.models import OfflineCopy, OfflineFile


@pytest.fixture
def stored_file(db, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    copy = OfflineCopy.objects.create(kind="usb", title="学党章", state="ready")
    name = default_storage.save("offline/test/zip-1.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    return OfflineFile.objects.create(copy=copy, role="zip", file=name, download_name="学党章-U盘包.zip",
                                      bytes=22)


@pytest.mark.django_db
def test_admin_pages_for_editors_and_secretaries_only(client, editor, secretary, member, stored_file):
    client.force_login(member)
    assert client.get("/admin/offline/").status_code in (302, 403)
    assert client.get(f"/offline/files/{stored_file.pk}/").status_code == 403
    for user in (editor, secretary):
        client.force_login(user)
        response = client.get("/admin/offline/")
        assert response.status_code == 200, user
        assert "学党章" in response.content.decode()
        download = client.get(f"/offline/files/{stored_file.pk}/")
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"PK\x05\x06")
        assert "filename*=utf-8''%E5%AD%A6" in download["Content-Disposition"]


@pytest.mark.django_db
def test_download_needs_login(client, stored_file):
    response = client.get(f"/offline/files/{stored_file.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_secretaries_cannot_make_copies(client, secretary):
    client.force_login(secretary)
    root = Page.objects.filter(depth=2).first()
    # Wagtail's admin answers PermissionDenied by sending the user back to the dashboard.
    response = client.get(f"/admin/offline/new/?kind=disc&page={root.pk}")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    client.post("/admin/offline/new/", {"kind": "disc", "page": root.pk, "title": "x"})
    assert not OfflineCopy.objects.exists()


@pytest.mark.django_db
def test_commands_refuse_unknown_or_unsuitable_pages(tmp_path):
    with pytest.raises(CommandError, match="找不到页面"):
        call_command("make_disc", "999999", "--output", str(tmp_path / "x.iso"))
    with pytest.raises(CommandError, match="找不到页面"):
        call_command("make_usb_package", "/没有这个页面/", "--output", str(tmp_path / "x.zip"))
    root = Page.objects.filter(depth=2).first()  # the library home page: not a course
    with pytest.raises(CommandError, match="不是课程"):
        call_command("make_usb_package", str(root.pk), "--output", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match=r"\.iso"):
        call_command("make_disc", str(root.pk), "--output", str(tmp_path / "x.img"))
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("make_usb_package", str(root.pk), "--output", str(tmp_path / "no" / "x.zip"))
    assert list(tmp_path.iterdir()) == []
