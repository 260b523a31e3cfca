import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("login", ["T0001", "13800000001"])
def test_member_signs_in_with_number_or_phone_and_next_is_honoured(client, member, login):
    response = client.post(
        "/accounts/login/", {"username": login, "password": PASSWORD, "next": "/me/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert client.get("/me/").status_code == 200


def test_wrong_password_shows_a_chinese_message(client, member):
    response = client.post("/accounts/login/", {"username": "T0001", "password": "nope"})
    assert response.status_code == 200
    assert "账号或密码不正确" in response.content.decode()


def test_next_to_another_site_is_not_followed(client, member):
    response = client.post(
        "/accounts/login/",
        {"username": "T0001", "password": PASSWORD, "next": "https://evil.example/steal"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_inactive_member_cannot_sign_in(client, member):
    member.is_active = False
    member.save()
    response = client.post("/accounts/login/", {"username": "T0001", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_staff_sign_in_with_user_name(client, editor):
    response = client.post("/accounts/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 302


def test_login_page_is_small_and_has_csrf(client, db):
    response = client.get("/accounts/login/?next=/me/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in body and 'value="/me/"' in body
    assert len(response.content) < 10_000


def test_logout_needs_post(client, member):
    client.force_login(member)
    assert client.get("/accounts/logout/").status_code == 200
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
    assert client.get("/me/").status_code == 302


def test_me_requires_login(client, db):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/me/")
