"""Sign-in with a member number or a phone number (or, for staff, the user name) and password."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from members.models import Member


class MemberNumberOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = username.strip()
        member = (
            Member.objects.select_related("user")
            .filter(Q(number=login) | Q(phone=login))
            .first()
        )
        if member is None:
            return None
        user = member.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
