from django.urls import path

from accounts.api import browser, views

urlpatterns = [
    path("auth/register", views.RegisterApi.as_view(), name="auth-register"),
    path("auth/token", views.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh", views.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout", views.LogoutApi.as_view(), name="auth-logout"),
    path("auth/browser/login", browser.BrowserLoginApi.as_view(), name="auth-browser-login"),
    path(
        "auth/browser/register",
        browser.BrowserRegisterApi.as_view(),
        name="auth-browser-register",
    ),
    path("auth/browser/refresh", browser.BrowserRefreshApi.as_view(), name="auth-browser-refresh"),
    path("auth/browser/logout", browser.BrowserLogoutApi.as_view(), name="auth-browser-logout"),
    path("auth/sessions", views.SessionListApi.as_view(), name="auth-sessions"),
    path(
        "auth/sessions/<int:session_id>",
        views.SessionDetailApi.as_view(),
        name="auth-session-detail",
    ),
    path("me", views.MeApi.as_view(), name="me"),
    path("me/export", views.MeExportApi.as_view(), name="me-export"),
    path("users/<int:user_id>/block", views.UserBlockApi.as_view(), name="user-block"),
    path("feedback", views.FeedbackApi.as_view(), name="feedback"),
    path("metros", views.MetroListApi.as_view(), name="metros"),
    path(
        "moderation/feedback",
        views.ModerationFeedbackListApi.as_view(),
        name="moderation-feedback",
    ),
]
