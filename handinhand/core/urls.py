from django.urls import path

from handinhand.core import audit_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", audit_views.audit_detail, name="audit_detail"),
]
