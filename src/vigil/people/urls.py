from django.urls import path

from vigil.people import privacy_views, views

app_name = "people"

urlpatterns = [
    path("me/", views.my_profile, name="my_profile"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_edit, name="organization_create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("personnel/", views.person_list, name="person_list"),
    path("personnel/new/", views.person_edit, name="person_create"),
    path("personnel/import/", views.personnel_import, name="personnel_import"),
    path("personnel/<int:pk>/", views.person_detail, name="person_detail"),
    path("personnel/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("personnel/<int:pk>/contacts/", views.person_contacts_edit, name="person_contacts"),
    path("personnel/<int:pk>/export/", privacy_views.person_export, name="person_export"),
    path("personnel/<int:pk>/erase/", privacy_views.person_erase, name="person_erase"),
    path("personnel/<int:person_pk>/dependants/new/", views.dependant_edit,
         name="dependant_create"),
    path("dependants/", views.dependant_list, name="dependant_list"),
    path("dependants/<int:pk>/", views.dependant_detail, name="dependant_detail"),
    path("dependants/<int:pk>/edit/", views.dependant_edit, name="dependant_edit"),
]
