from django.urls import path

from handinhand.orgs import imports_views, views

app_name = "orgs"
urlpatterns = [
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/import/", imports_views.school_import, name="school_import"),
    path("schools/import/template.xlsx", imports_views.school_template, name="school_template"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("universities/", views.university_list, name="university_list"),
    path("universities/new/", views.university_create, name="university_create"),
    path("universities/<int:pk>/", views.university_detail, name="university_detail"),
    path("universities/<int:pk>/edit/", views.university_edit, name="university_edit"),
    path(
        "universities/<int:pk>/recognitions/new/",
        views.university_recognition_add,
        name="university_recognition_add",
    ),
    path("regions/", views.region_list, name="region_list"),
    path("regions/pick/", views.region_pick, name="region_pick"),
    path("schools/pick/", views.school_pick, name="school_pick"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
]
