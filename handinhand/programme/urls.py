from django.urls import path

from handinhand.programme import views

app_name = "programme"
urlpatterns = [
    path("batches/", views.batch_list, name="batch_list"),
    path("groups/", views.group_list, name="group_list"),
    path("memberships/", views.membership_list, name="membership_list"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("districts/", views.district_list, name="district_list"),
    path("coverage/", views.coverage_page, name="coverage"),
]
