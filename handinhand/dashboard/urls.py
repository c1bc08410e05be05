from django.urls import path

from handinhand.dashboard import cockpit_views, views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("cockpit/", cockpit_views.cockpit, name="cockpit"),
    path("home/work/", views.home_work, name="home_work"),
]
