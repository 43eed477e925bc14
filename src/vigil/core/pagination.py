from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page numbers, with ?page_size= up to 500 for scripts that read a whole list."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
