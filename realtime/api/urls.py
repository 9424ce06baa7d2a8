from django.urls import path

from realtime.api import chat_views, views

urlpatterns = [
    path("realtime/ticket", views.TicketApi.as_view(), name="realtime-ticket"),
    path(
        "playdates/<int:playdate_id>/messages",
        chat_views.MessageListCreateApi.as_view(),
        name="playdate-messages",
    ),
    path(
        "playdates/<int:playdate_id>/read",
        chat_views.ChatReadApi.as_view(),
        name="playdate-read",
    ),
]
