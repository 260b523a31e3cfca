from django.apps import AppConfig


class MembersConfig(AppConfig):
    """Organisations, members, roles and learning records."""

    name = "members"
    verbose_name = "党员与学习记录"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from wagtail.signals import page_published, page_unpublished

        from members import accounts, activity
        from members.services import forget_item_rule

        def forget(sender, instance, **kwargs):
            # An item's duration or threshold may have changed: read it afresh next time.
            forget_item_rule(instance.pk)

        page_published.connect(forget, weak=False, dispatch_uid="members-forget-rule-published")
        page_unpublished.connect(forget, weak=False, dispatch_uid="members-forget-rule-unpublished")

        def mark_code_sign_in(sender, request, user, **kwargs):
            # Signed in with a one-time code (members.auth): every page now asks for a password
            # (members.middleware) until one is chosen.
            if request is not None and hasattr(request, "session") and (
                getattr(user, "_members_signed_in_with_code", False)
                or accounts.must_change_password(user)
            ):
                request.session[accounts.MUST_CHANGE_SESSION_KEY] = True

        user_logged_in.connect(mark_code_sign_in, weak=False, dispatch_uid="members-code-sign-in")
        activity.register_own_sources()
