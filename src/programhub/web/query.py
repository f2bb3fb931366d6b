"""Query parameters read as one pydantic model, validated directly.

FastAPI reads a model declared `Annotated[Model, Query()]` field by field on every request,
inspecting each field's annotation again (`field_annotation_is_sequence`): 55 us for a
Catalog list's seven parameters, where validating the query's values with the model takes
2 (bench/RESULTS.md, run 22), a tenth of a small list's CPU. `FromQuery[Model]` reads the
same values the same way (the last of a repeated parameter, unknown ones ignored, an error
at `("query", field)` as FastAPI raises it), and the route documents the parameters that
FastAPI would have documented for the model (`documented_parameters`, by `web.dialect`'s
routes).
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union, get_args, get_origin

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class QueryModel:
    """The dependency that reads `model` from the request's query string."""

    def __init__(self, model: type[BaseModel]) -> None:
        lists = [name for name, info in model.model_fields.items() if _is_collection(info.annotation)]
        if lists:  # a repeated parameter is a list there, the last value here
            raise ValueError(f"{model.__name__}: list fields ({', '.join(lists)}) are read by FastAPI's Query()")
        self.model = model

    async def __call__(self, request: Request) -> BaseModel:
        """On the event loop: FastAPI runs a plain function dependency on a thread, a hop
        that costs more than reading the model."""
        try:
            return self.model.model_validate(dict(request.query_params))  # the last value of each
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            raise RequestValidationError([{**error, "loc": ("query", *error["loc"])} for error in errors]) from None


def _is_collection(annotation: Any) -> bool:
    """Whether a field holds several values (a list, a set, a tuple), alone or in a union."""
    origin = get_origin(annotation)
    if origin is Union or origin is UnionType or origin is Annotated:
        return any(_is_collection(argument) for argument in get_args(annotation))
    kind = origin or annotation
    return isinstance(kind, type) and issubclass(kind, Collection) and not issubclass(kind, str | bytes | dict)


@cache
def reader(model: type[BaseModel]) -> QueryModel:
    return QueryModel(model)


class _FromQuery:
    def __getitem__(self, model: type[M]) -> Any:
        return Annotated[model, Depends(reader(model))]


# `params: FromQuery[Model]`: the route's query parameters as one `Model` (for a type
# checker, a `Model`).
if TYPE_CHECKING:
    FromQuery = Annotated[M, "query"]
else:
    FromQuery = _FromQuery()


@cache
def documented_parameters(model: type[BaseModel]) -> tuple[dict[str, Any], ...]:
    """The OpenAPI parameters FastAPI documents for `model` declared as `Query()` (asked of
    FastAPI itself, on a route of its own: the same schemas, in the same order)."""

    def documented(params: Any) -> None:
        """Only read by `app.openapi()`."""

    documented.__annotations__ = {"params": Annotated[model, Query()], "return": None}
    app = FastAPI()
    app.add_api_route("/", documented, methods=["GET"])
    parameters: list[dict[str, Any]] = app.openapi()["paths"]["/"]["get"]["parameters"]
    if "$ref" in repr(parameters):  # the schemas would live in that app's components
        raise ValueError(f"{model.__name__}: a query parameter's schema refers to another schema")
    return tuple(parameters)


def query_names(dependant: Any) -> frozenset[str]:
    """The names of every query parameter a route reads: its own and its dependencies'
    parameters, and the fields of the models they read with `FromQuery`."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= query_names(dependency)
    for model in query_models(dependant, nested=False):
        names |= {field.alias or name for name, field in model.model_fields.items()}
    return frozenset(names)


def query_models(dependant: Any, *, nested: bool = True) -> list[type[BaseModel]]:
    """The models a route's dependencies read with `FromQuery`, in their order (`nested`:
    their own dependencies' too)."""
    found: list[type[BaseModel]] = []
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, QueryModel):
            found.append(dependency.call.model)
        if nested:
            found += query_models(dependency)
    return found
