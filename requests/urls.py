from django.urls import path

from requests import api

urlpatterns = [
    path("categories/", api.CategoryListApi.as_view(), name="categories"),
    path("requests/", api.HelpRequestListCreateApi.as_view(), name="request-list"),
    path("requests/geojson/", api.HelpRequestListCreateApi.as_view(http_method_names=["get", "head", "options"]),
         {"format": "geojson"},
         name="request-geojson"),
    path("requests/<int:pk>/", api.HelpRequestDetailApi.as_view(), name="request-detail"),
    path("requests/<int:pk>/responses/", api.ResponseListCreateApi.as_view(), name="request-responses"),
    path("requests/<int:pk>/referrals/", api.ReferralCreateApi.as_view(), name="request-referrals"),
    path("organisations/<int:pk>/referrals/", api.OrganisationReferralListApi.as_view(),
         name="organisation-referrals"),
    path("referrals/<int:pk>/decline/", api.ReferralDeclineApi.as_view(), name="referral-decline"),
    path("responses/<int:pk>/accept/", api.ResponseAcceptApi.as_view(), name="response-accept"),
    path("agreements/", api.AgreementListApi.as_view(), name="agreement-list"),
    path("agreements/<int:pk>/", api.AgreementDetailApi.as_view(), name="agreement-detail"),
    path("agreements/<int:pk>/occurrences/", api.OccurrenceListApi.as_view(), name="agreement-occurrences"),
    path("agreements/<int:pk>/proposals/", api.ProposalListCreateApi.as_view(), name="agreement-proposals"),
    path("agreements/<int:pk>/calendar.ics", api.AgreementCalendarApi.as_view(), name="agreement-calendar"),
    path("agreements/<int:pk>/calendar-feed/", api.CalendarFeedApi.as_view(), name="agreement-calendar-feed"),
    path("proposals/<int:pk>/accept/", api.ProposalAcceptApi.as_view(), name="proposal-accept"),
    path("proposals/<int:pk>/decline/", api.ProposalDeclineApi.as_view(), name="proposal-decline"),
    path("proposals/<int:pk>/withdraw/", api.ProposalWithdrawApi.as_view(), name="proposal-withdraw"),
]
