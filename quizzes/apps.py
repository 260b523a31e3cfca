from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    """Knowledge quizzes and contests, every answer tied to the article it comes from."""

    name = "quizzes"
    verbose_name = "知识测试"
