from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import agreements, chat, posts, views

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/done/", views.registered, name="registered"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("requests/", posts.request_list, name="request_list"),
    path("requests/new/", posts.request_create, name="request_create"),
    path("requests/<int:pk>/", posts.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", posts.request_edit, name="request_edit"),
    path("requests/<int:pk>/respond/", posts.request_respond, name="request_respond"),
    path("requests/<int:pk>/cancel/", posts.request_cancel, name="request_cancel"),
    path("responses/<int:pk>/accept/", posts.response_accept, name="response_accept"),
    path("offers/", posts.offer_list, name="offer_list"),
    path("offers/new/", posts.offer_create, name="offer_create"),
    path("offers/<int:pk>/", posts.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", posts.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/status/", posts.offer_set_status, name="offer_set_status"),
    path("offers/<int:pk>/ask/", posts.offer_ask, name="offer_ask"),
    path("asks/<int:pk>/answer/", posts.offer_ask_answer, name="offer_ask_answer"),
    path("messages/", chat.thread_list, name="thread_list"),
    path("messages/<int:pk>/", chat.thread_detail, name="thread_detail"),
    path("notifications/", chat.notification_list, name="notification_list"),
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/propose/", agreements.agreement_propose, name="agreement_propose"),
    path("agreements/<int:pk>/calendar-link/", agreements.calendar_link, name="agreement_calendar_link"),
    path("proposals/<int:pk>/<str:decision>/", agreements.proposal_decide, name="proposal_decide"),
    path("calendar/<str:token>.ics", agreements.calendar_feed, name="calendar_feed"),
]
