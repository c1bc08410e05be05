from django.urls import path

from handinhand.programme import selection_views, views

app_name = "programme"
urlpatterns = [
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/edit/", views.batch_edit, name="batch_edit"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/members/new/", views.membership_create, name="membership_create"),
    path("groups/<int:pk>/districts/new/", views.district_create, name="district_create"),
    path("memberships/", views.membership_list, name="membership_list"),
    path("memberships/<int:pk>/", views.membership_detail, name="membership_detail"),
    path("memberships/<int:pk>/edit/", views.membership_edit, name="membership_edit"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/new/", views.pairing_create, name="pairing_create"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/delete/", views.pairing_delete, name="pairing_delete"),
    path("districts/", views.district_list, name="district_list"),
    path("districts/<int:pk>/", views.district_detail, name="district_detail"),
    path("districts/<int:pk>/edit/", views.district_edit, name="district_edit"),
    path("districts/<int:pk>/schools/", views.district_assign, name="district_assign"),
    path("districts/<int:pk>/schools/remove/", views.district_remove, name="district_remove"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("batches/<int:pk>/plan/", selection_views.batch_plan, name="batch_plan"),
    path("batches/<int:pk>/selection/new/", selection_views.selection_open, name="selection_open"),
    path("selection/", selection_views.selection_list, name="selection_list"),
    path("selection/<int:pk>/", selection_views.selection_detail, name="selection_detail"),
    path("selection/<int:pk>/decide/", selection_views.selection_decide, name="selection_decide"),
    path("selection/<int:pk>/close/", selection_views.selection_close, name="selection_close"),
    path("rollout/", selection_views.rollout_page, name="rollout"),
]
