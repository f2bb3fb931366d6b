"""How a dialect plugs into the app: a router, the path prefixes it owns, and an error
renderer. The route class below guarantees that nothing raised while serving one of its
routes escapes unrendered: every failure leaves in that dialect's own envelope."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from programhub.core.auth import AuthFailure
from programhub.core.errors import Conflict, DomainError, Invalid, NotFound
from programhub.store.liveness import DatabaseUnavailable
from programhub.web.body import BodyFault
from programhub.web.problems import BodyTooLarge, Problem, ProblemKind
from programhub.web.query import documented_parameters, query_models, query_names
from programhub.web.requests import first_invalid

log = logging.getLogger("programhub.errors")

_HTTP_KINDS = {
    400: ProblemKind.MALFORMED_BODY,
    401: ProblemKind.UNAUTHORIZED,
    403: ProblemKind.FORBIDDEN,
    404: ProblemKind.NOT_FOUND,
    405: ProblemKind.METHOD_NOT_ALLOWED,
    409: ProblemKind.CONFLICT,
    413: ProblemKind.PAYLOAD_TOO_LARGE,
    415: ProblemKind.UNSUPPORTED_MEDIA_TYPE,
    422: ProblemKind.INVALID,
    429: ProblemKind.RATE_LIMITED,
    503: ProblemKind.UNAVAILABLE,
}


class DialectErrors:
    """A dialect's error envelope. Subclasses implement `render`; the other hooks have
    sensible defaults built on it and may be overridden for platform-specific wording."""

    def render(self, request: Request, problem: Problem) -> Response:
        raise NotImplementedError  # pragma: no cover - every dialect overrides it

    async def before_unrouted(self, request: Request) -> None:
        """Called before a failure no route saw (an unknown path, a wrong method) is
        rendered: the place for async work a dialect needs first (reading the body,
        counting the call). What it raises (a refusal, the database down) is rendered
        instead of the routing failure."""

    def auth_failure(self, request: Request, failure: AuthFailure) -> Response:
        kind = ProblemKind.FORBIDDEN if failure.reason.forbidden else ProblemKind.UNAUTHORIZED
        return self.render(request, Problem(kind, failure.message))

    def validation_error(self, request: Request, exc: RequestValidationError) -> Response:
        return self.render(request, problem_from_validation(exc))

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFound):
            return self.render(request, Problem(ProblemKind.NOT_FOUND, exc.message))
        if isinstance(exc, Invalid):
            return self.render(request, Problem(ProblemKind.INVALID, exc.message, exc.field))
        if isinstance(exc, Conflict):
            return self.render(request, Problem(ProblemKind.CONFLICT, exc.message, exc.field))
        return self.render(request, Problem(ProblemKind.INVALID, exc.message))

    def http_error(self, request: Request, exc: HTTPException) -> Response:
        kind = _HTTP_KINDS.get(exc.status_code, ProblemKind.INTERNAL)
        detail = exc.detail if isinstance(exc.detail, str) else kind.value.replace("_", " ")
        response = self.render(request, Problem(kind, detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")
UNKNOWN_ROUTE = "unrouted"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this path. RFC 9110 wants them all in
    a 405's `Allow`; Starlette names only those of the first route whose path matched."""
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.routes)
    ]


def problem_from_validation(exc: RequestValidationError) -> Problem:
    """The first validation error (of a path, query or header parameter) as one sentence
    naming the field."""
    errors = [{**error, "loc": _without_location(tuple(error.get("loc", ())))} for error in exc.errors()]
    if errors and errors[0].get("type") == "json_invalid":
        return Problem(ProblemKind.MALFORMED_BODY, "The request body is not valid JSON.")
    invalid = first_invalid(errors, own_words=False)  # type: ignore[arg-type]
    return Problem(ProblemKind.INVALID, invalid.message, invalid.field)


_LOCATIONS = ("body", "query", "path", "header")


def _without_location(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """`("query", "page")` -> `("page",)`: the parameter's place goes, its name stays (a
    parameter may be called `query`)."""
    return loc[1:] if loc and loc[0] in _LOCATIONS else loc


def problem_from_exception(exc: Exception) -> Problem | None:
    """Failures of the machinery rather than the request (database down, body too large)."""
    if isinstance(exc, BodyTooLarge):
        return Problem(ProblemKind.PAYLOAD_TOO_LARGE, "The request body is too large.")
    if isinstance(exc, DatabaseUnavailable):  # known down or past the deadline: logged where it was learnt
        return Problem(ProblemKind.UNAVAILABLE, "The service is temporarily unavailable; try again shortly.")
    if isinstance(exc, PoolTimeout | OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        log.warning("database unavailable: %s", type(exc.orig if isinstance(exc, DBAPIError) else exc).__name__)
        return Problem(ProblemKind.UNAVAILABLE, "The service is temporarily unavailable; try again shortly.")
    return None


def render_exception(errors: DialectErrors, request: Request, exc: Exception) -> Response:
    if isinstance(exc, AuthFailure):
        return errors.auth_failure(request, exc)
    if isinstance(exc, RequestValidationError):
        return errors.validation_error(request, exc)
    if isinstance(exc, BodyFault):
        return errors.render(request, exc.problem)
    if isinstance(exc, DomainError):
        return errors.domain_error(request, exc)
    if isinstance(exc, HTTPException):
        return errors.http_error(request, exc)
    problem = problem_from_exception(exc)
    if problem is None:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        problem = Problem(ProblemKind.INTERNAL, "An internal error occurred.")
    return errors.render(request, problem)


def dialect_route_class(errors: DialectErrors) -> type[APIRoute]:
    """An APIRoute whose handler renders every failure with `errors`."""

    class DialectRoute(APIRoute):
        @property
        def openapi_extra(self) -> dict[str, Any] | None:
            """As given, with the parameters read by `FromQuery` documented as FastAPI
            documents a model's (found when the documentation is made, not at import)."""
            given = self._openapi_extra
            parameters = [
                copy.deepcopy(parameter)
                for model in query_models(self.dependant)
                for parameter in documented_parameters(model)
            ]
            if not parameters:
                return given
            extra = dict(given or {})
            extra["parameters"] = [*extra.get("parameters", []), *parameters]
            return extra

        @openapi_extra.setter
        def openapi_extra(self, given: dict[str, Any] | None) -> None:
            self._openapi_extra = given

        @cached_property
        def query_names(self) -> frozenset[str]:
            """Every query parameter the route reads (`web.query.query_names`), found once."""
            return query_names(self.dependant)

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                # For metrics: the template of the route that matched, not the path.
                request.state.route = getattr(request.scope.get("route"), "path_format", UNKNOWN_ROUTE)
                try:
                    return await handler(request)
                except Exception as exc:  # noqa: BLE001 - rendered, never re-raised
                    return render_exception(errors, request, exc)

            return guarded

    return DialectRoute


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    prefixes: tuple[str, ...]  # paths this dialect answers for, including unknown ones
    router: APIRouter
    errors: DialectErrors
    # Further paths it answers for with another renderer (Record's HTML credential pages).
    other_prefixes: tuple[tuple[str, DialectErrors], ...] = ()
    _owned: APIRouter | None = field(default=None, init=False, repr=False, compare=False)

    def error_prefixes(self) -> tuple[tuple[str, DialectErrors], ...]:
        return (*((prefix, self.errors) for prefix in self.prefixes), *self.other_prefixes)

    def paths(self) -> tuple[str, ...]:
        """Every path prefix this dialect's routes live under."""
        return (*self.prefixes, *(prefix for prefix, _errors in self.other_prefixes))

    def owned_router(self) -> APIRouter:
        """The dialect's router behind a check of its path prefixes (what the app includes)."""
        owned = self._owned
        if owned is None:
            # One per dialect and process: FastAPI builds every route of a router it
            # includes (their dependencies and models), 0.3 s for the whole API, and an app
            # per test paid it each time. Routes hold no app state (handlers reach it
            # through the request), so every app of the process can include the same one.
            owned = OwnedPathsRouter(self.paths(), self.router)
            object.__setattr__(self, "_owned", owned)
        return owned

    def routes(self) -> list[APIRoute]:
        """The routes themselves (not the copies Sunbird's gateway prefixes include)."""
        return [route for route in self.owned_router().routes if isinstance(route, APIRoute)]


class OwnedPathsRouter(APIRouter):
    """A router that looks at a request only when its path is under one of `prefixes`.

    FastAPI tries an app's routes one by one, each a regular expression, and twice per
    request (to match, then to handle): a page of the site paid for the 140 API routes
    included before it, a third of its CPU. This one declines any other path at once.
    """

    def __init__(self, prefixes: tuple[str, ...], router: APIRouter) -> None:
        # The router's routes themselves, not the router included: one level less to walk
        # on every request (`joined`).
        super().__init__(routes=list(router.routes))
        self.prefixes = prefixes
        self.paths = _any_path_of(self.routes)

    def matches(self, scope: Any) -> tuple[Match, Any]:
        path, root = scope["path"], scope.get("root_path", "")
        path = path.removeprefix(root)
        if not path.startswith(self.prefixes) or (self.paths is not None and self.paths.match(path) is None):
            return Match.NONE, {}
        return super().matches(scope)


def _any_path_of(routes: list[BaseRoute]) -> re.Pattern[str] | None:
    """One expression matching what any of `routes` matches (their paths' expressions as
    alternatives, unnamed), or None when one of them matches by more than its path.

    A path under a dialect's prefix that none of its routes serves (WebAdMIT's, under
    Catalog's `/api/v1`) was tried against each of them, a regular expression and
    FastAPI's bookkeeping per route: 50 us for Catalog's 38 before each WebAdMIT request."""
    plain = [route for route in routes if isinstance(route, APIRoute) and type(route).matches is APIRoute.matches]
    if len(plain) != len(routes):
        return None
    return re.compile("|".join(f"(?:{_UNNAMED.sub('(?:', route.path_regex.pattern)})" for route in plain))


_UNNAMED = re.compile(r"\(\?P<\w+>")


def joined(*routers: APIRouter) -> APIRouter:
    """One router holding the routes of `routers`: what including each of them (without
    options) serves, flat.

    FastAPI keeps an included router nested and, on every request, matches through each
    level again (to match, then to handle) and walks every router below to see whether its
    routes changed: a cached Sunbird list spent about a fifth of its CPU routing through
    three levels of routers. A module's router gives its routes their prefix, tags and
    route class when they are declared, so nothing is lost by joining them."""
    routes: list[BaseRoute] = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):  # an included router's context would be lost
                raise TypeError(f"{route!r} is not a route: join the routers it includes instead")
            routes.append(route)
    return APIRouter(routes=routes)
