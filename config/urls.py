from django.urls import include, path

urlpatterns = [
    path("", include("handinhand.core.urls")),
    path("accounts/", include("handinhand.accounts.urls")),
    path("orgs/", include("handinhand.orgs.urls")),
    path("programme/", include("handinhand.programme.urls")),
    path("api/v1/", include("handinhand.api.urls")),
]
