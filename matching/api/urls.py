from django.urls import path

from matching.api import views

urlpatterns = [
    path("pets/<int:pet_id>/matches", views.PetMatchesApi.as_view(), name="pet-matches"),
    path(
        "pets/<int:pet_id>/matches/<int:other_id>/pass",
        views.PetMatchPassApi.as_view(),
        name="pet-match-pass",
    ),
]
