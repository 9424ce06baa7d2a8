from django.urls import path

from matching.api import playdate_views, views

urlpatterns = [
    path("pets/<int:pet_id>/matches", views.PetMatchesApi.as_view(), name="pet-matches"),
    path(
        "pets/<int:pet_id>/matches/<int:other_id>/pass",
        views.PetMatchPassApi.as_view(),
        name="pet-match-pass",
    ),
    path("playdates/", playdate_views.PlaydateListCreateApi.as_view(), name="playdates"),
    path(
        "playdates/<int:playdate_id>/",
        playdate_views.PlaydateDetailApi.as_view(),
        name="playdate-detail",
    ),
    path(
        "playdates/<int:playdate_id>/accept",
        playdate_views.PlaydateAcceptApi.as_view(),
        name="playdate-accept",
    ),
    path(
        "playdates/<int:playdate_id>/decline",
        playdate_views.PlaydateDeclineApi.as_view(),
        name="playdate-decline",
    ),
    path(
        "playdates/<int:playdate_id>/cancel",
        playdate_views.PlaydateCancelApi.as_view(),
        name="playdate-cancel",
    ),
    path(
        "playdates/<int:playdate_id>/counter",
        playdate_views.PlaydateCounterApi.as_view(),
        name="playdate-counter",
    ),
]
