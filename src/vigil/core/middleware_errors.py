from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from vigil.core.errors import Forbidden, NotFound


class DomainErrorMiddleware:
    """HTML views: a NotFound from a selector is a 404 page, a Forbidden a 403 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from vigil.core.views import forbidden, not_found

        if isinstance(exception, NotFound):
            return not_found(request, exception)
        if isinstance(exception, Forbidden):
            return forbidden(request, exception)
        return None
