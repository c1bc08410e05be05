from django.urls import path

from handinhand.core import audit_views

app_name = "core"
urlpatterns = [
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", audit_views.audit_detail, name="audit_detail"),
]
