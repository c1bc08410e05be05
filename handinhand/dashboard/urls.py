from django.urls import path

from handinhand.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("home/work/", views.home_work, name="home_work"),
]
