from django.urls import path

from neighbours import api, moderation_api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="register"),
    path("auth/token/", api.TokenApi.as_view(), name="token"),
    path("me/", api.MeApi.as_view(), name="me"),
    path("me/export/", api.MeExportApi.as_view(), name="me-export"),
    path("me/blocks/", api.BlockListApi.as_view(), name="blocks"),
    path("me/blocks/<int:neighbour_id>/", api.BlockDetailApi.as_view(), name="block-detail"),
    path("me/follows/", api.MyFollowListApi.as_view(), name="my-follows"),
    path("organisations/", api.OrganisationListCreateApi.as_view(), name="organisation-list"),
    path("organisations/<int:pk>/", api.OrganisationDetailApi.as_view(), name="organisation-detail"),
    path("organisations/<int:pk>/members/", api.MemberListApi.as_view(), name="organisation-members"),
    path("organisations/<int:pk>/members/<int:neighbour_id>/", api.MemberDetailApi.as_view(),
         name="organisation-member"),
    path("organisations/<int:pk>/invitations/", api.InvitationListApi.as_view(), name="organisation-invitations"),
    path("organisations/<int:pk>/follow/", api.FollowApi.as_view(), name="organisation-follow"),
    # (tokens are URL-safe base64: anything else, a NUL included, is no invitation and never reaches the database)
    path("invitations/<slug:token>/accept/", api.InvitationAcceptApi.as_view(), name="invitation-accept"),
    path("invitations/<int:pk>/", api.InvitationDetailApi.as_view(), name="invitation-detail"),
    # Trust and safety (neighbours/moderation_api.py).
    path("reports/", moderation_api.ReportApi.as_view(), name="reports"),
    path("moderation/queue/", moderation_api.ModerationQueueApi.as_view(), name="moderation-queue"),
    path("moderation/decisions/", moderation_api.ModerationDecisionApi.as_view(), name="moderation-decisions"),
    path("neighbours/<int:neighbour_id>/verified/", moderation_api.VerifiedApi.as_view(), name="neighbour-verified"),
]
