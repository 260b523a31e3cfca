from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    """Knowledge quizzes and contests, every answer tied to the article it comes from."""

    name = "quizzes"
    verbose_name = "知识测试"

    def ready(self):
        # Models are loaded only now (Django's documented place for these imports).
        from members import activity, completion, mepage, workbench
        from quizzes import services

        # The contracts members states for the apps above it (docs/architecture.md): a submitted
        # attempt is activity, a required lesson quiz is a completion requirement, and /me/ shows
        # the daily streak, the member's history their quiz results, the workbench this month's
        # participation.
        activity.register_source("quizzes", services.activity, since=services.activity_since)
        completion.register_requirement("lesson_quiz", services.lesson_requirement)
        mepage.register_panel("daily_quiz", services.me_panel)
        mepage.register_history("quizzes", services.history_section)
        mepage.register_lesson_section("quiz", services.lesson_section)
        workbench.register_panel("quizzes", services.workbench_panel)
