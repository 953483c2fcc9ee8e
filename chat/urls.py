from django.urls import path

from chat import api

urlpatterns = [
    path("threads/", api.ThreadListApi.as_view(), name="thread-list"),
    path("threads/<int:pk>/", api.ThreadDetailApi.as_view(), name="thread-detail"),
    path("threads/<int:pk>/messages/", api.MessageListCreateApi.as_view(), name="thread-messages"),
    path("threads/<int:pk>/read/", api.ThreadReadApi.as_view(), name="thread-read"),
    path("notifications/", api.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read/", api.NotificationReadApi.as_view(), name="notification-read"),
]
