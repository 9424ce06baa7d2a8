from django.urls import path

from realtime.api import views

urlpatterns = [
    path("realtime/ticket", views.TicketApi.as_view(), name="realtime-ticket"),
]
