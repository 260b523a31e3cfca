from django.apps import AppConfig


class OfflineConfig(AppConfig):
    """Offline copies of lectures: DVD disc images and USB packages, and who received a disc."""

    name = "lectures.offline"
    label = "offline"
    verbose_name = "离线光盘与U盘"
    default_auto_field = "django.db.models.BigAutoField"
