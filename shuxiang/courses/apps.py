"""App configuration for open courses (国图公开课)."""

from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "shuxiang.courses"
    label = "courses"
    verbose_name = "Shuxiang open courses"

    def ready(self) -> None:
        from shuxiang.courses import tasks  # noqa: F401  (registers the huey tasks)
