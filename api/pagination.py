from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """?page=N, 100 rows a page by default, up to 1,000 with ?page_size; `next` links to the following page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
