from django.apps import AppConfig


class MembersConfig(AppConfig):
    """Organisations, members, roles and learning records."""

    name = "members"
    verbose_name = "党员与学习记录"

    def ready(self):
        from wagtail.signals import page_published, page_unpublished

        from members.services import forget_item_rule

        def forget(sender, instance, **kwargs):
            # An item's duration or threshold may have changed: read it afresh next time.
            forget_item_rule(instance.pk)

        page_published.connect(forget, weak=False, dispatch_uid="members-forget-rule-published")
        page_unpublished.connect(forget, weak=False, dispatch_uid="members-forget-rule-unpublished")
