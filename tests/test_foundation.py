import json
import subprocess

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_system_checks_pass():
    call_command("check")


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_ffprobe_reads_a_generated_clip(sample_video):
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(sample_video)],
        capture_output=True, text=True, check=True,
    )
    info = json.loads(result.stdout)
    kinds = sorted(stream["codec_type"] for stream in info["streams"])
    assert kinds == ["audio", "video"]
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 640, 360)
    assert abs(float(info["format"]["duration"]) - 4.0) < 0.1
