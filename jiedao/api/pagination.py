from typing import Any

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """DRF's, with relative links as examples (DRF's point at api.example.org, which the API documentation
        pages would show as links out of the intranet)."""
        paginated = super().get_paginated_response_schema(schema)
        for link, page in (("next", 4), ("previous", 2)):
            paginated["properties"][link]["example"] = f"?{self.page_query_param}={page}"
        return paginated
