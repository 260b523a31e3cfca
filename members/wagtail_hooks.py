"""Wagtail admin: the secretaries' learning-record pages under /admin/learning/."""

from wagtail import hooks

from members.viewsets import LearningViewSet


@hooks.register("register_admin_viewset")
def register_learning_viewset():
    return LearningViewSet()
