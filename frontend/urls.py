from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import chat, posts, sessions, views

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
    # Group sessions (frontend/sessions.py).
    path("offers/<int:pk>/sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/signup/", sessions.session_signup, name="session_signup"),
    path("sessions/<int:pk>/leave/", sessions.session_leave, name="session_leave"),
    path("sessions/<int:pk>/organise/", sessions.session_organise, name="session_organise"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/attendance/", sessions.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/assisted/", sessions.session_assisted_signup, name="session_assisted_signup"),
    path("signups/<int:pk>/cancel/", sessions.signup_cancel, name="signup_cancel"),
    path("signups/<int:pk>/message/", sessions.signup_message, name="signup_message"),
    path("my/sessions/", sessions.my_sessions, name="my_sessions"),
    path("organisations/<int:pk>/assisted/", sessions.organisation_assisted, name="organisation_assisted"),
]
