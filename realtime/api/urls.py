from django.urls import path

from realtime.api import chat_views, engagement_views, moderation_views, views

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
    path("reports", moderation_views.ReportFileApi.as_view(), name="reports"),
    path(
        "moderation/reports",
        moderation_views.ReportQueueApi.as_view(),
        name="moderation-reports",
    ),
    path(
        "moderation/reports/<int:report_id>",
        moderation_views.ReportDetailApi.as_view(),
        name="moderation-report",
    ),
    path(
        "moderation/reports/<int:report_id>/resolve",
        moderation_views.ReportResolveApi.as_view(),
        name="moderation-report-resolve",
    ),
    path(
        "moderation/users/<int:user_id>/suspend",
        moderation_views.UserSuspendApi.as_view(),
        name="moderation-user-suspend",
    ),
    path(
        "moderation/users/<int:user_id>/unsuspend",
        moderation_views.UserUnsuspendApi.as_view(),
        name="moderation-user-unsuspend",
    ),
    path(
        "moderation/activity",
        moderation_views.ActivityFeedApi.as_view(),
        name="moderation-activity",
    ),
    path("moderation/audit", moderation_views.AuditLogApi.as_view(), name="moderation-audit"),
    path("metrics/engagement", engagement_views.EngagementApi.as_view(), name="metrics-engagement"),
]
