from django.urls import path

from pets.api import views

urlpatterns = [
    path("pets/", views.PetListCreateApi.as_view(), name="pets"),
    path("pets/<int:pet_id>/", views.PetDetailApi.as_view(), name="pet-detail"),
    path(
        "pets/<int:pet_id>/preferences",
        views.PetPreferencesApi.as_view(),
        name="pet-preferences",
    ),
]
