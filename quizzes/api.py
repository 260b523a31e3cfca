"""Quizzes' JSON API (mounted at /api/v1/ by dianke.api)."""

from ninja import Router

router = Router(tags=["quizzes"])
