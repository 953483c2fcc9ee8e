from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class NextLinkPagination(BasePagination):
    """``?page=n`` pages of PAGE_SIZE rows with ``next``/``previous`` links and no total count.

    Counting every matching row costs as much again as fetching the page when the filter is spatial (see
    docs/benchmarks.md), and nobody needs the total: one extra row tells whether there is a next page.
    """

    page_size = 50
    max_page = 1000
    invalid_page_message = _("There is no such page.")

    def paginate_queryset(self, queryset, request, view=None):
        try:
            self.number = int(request.query_params.get("page", 1))
        except ValueError:
            raise NotFound(self.invalid_page_message) from None
        if not 1 <= self.number <= self.max_page:
            raise NotFound(self.invalid_page_message)
        self.request = request
        offset = (self.number - 1) * self.page_size
        rows = list(queryset[offset: offset + self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        return rows[: self.page_size]

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), "page", self.number + 1)

    def get_previous_link(self):
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", self.number - 1)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [{
            "name": "page", "required": False, "in": "query",
            "description": "A page number (1, 2, …); each page holds up to 50 items.",
            "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page},
        }]
