from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "handinhand.meetings"
    label = "meetings"
    verbose_name = "工作机制"
