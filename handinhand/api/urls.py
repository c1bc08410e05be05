from django.urls import path, re_path

from handinhand.api import errors, views
from handinhand.api.api import api

app_name = "api"

# The API's own patterns are included flat (not under ninja's namespace), so that every name
# is "api:<name>": "api:openapi-json", "api:school_list", …
ninja_patterns, _app, _namespace = api.urls
urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("docs/assets/<str:name>", views.docs_asset, name="docs_asset"),
    *ninja_patterns,
    # Last: whatever else is asked under /api/v1/ is a JSON 404, not the HTML page.
    re_path(r"", errors.not_found, name="not_found"),
]
