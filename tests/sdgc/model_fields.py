"""Which answer fields of the four apps are decimals, read from their pydantic response models."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared import migrations


def _leaves(annotation: Any) -> Iterator[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _leaves(typing.get_args(annotation)[0])
    elif origin is not None:
        for arg in typing.get_args(annotation):
            yield from _leaves(arg)
    elif isinstance(annotation, types.UnionType):
        for arg in annotation.__args__:
            yield from _leaves(arg)
    else:
        yield annotation


def _kind(leaf: type) -> str:
    if issubclass(leaf, Decimal):
        return "decimal"
    return "string" if issubclass(leaf, str) else "other"


def _fields(model: type[BaseModel], seen: set[type], out: dict[str, set[str]]) -> None:
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        for leaf in _leaves(info.annotation):
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                _fields(leaf, seen, out)
            elif isinstance(leaf, type) and leaf is not type(None):
                out.setdefault(info.serialization_alias or name, set()).add(_kind(leaf))


def _routes(routes: Any) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def answer_fields() -> dict[str, set[str]]:
    """Every field name of every response model of the four apps, with the kinds of value it
    holds: 'decimal', 'string' (a JSON string that is not a decimal) or 'other'."""
    out: dict[str, set[str]] = {}
    seen: set[type] = set()
    for package in migrations.APPS.values():
        module = __import__(f"{package}.main", fromlist=["create_app"])
        app = module.create_app()
        for route in _routes(app.routes):
            if isinstance(route, APIRoute) and route.response_model is not None:
                for leaf in _leaves(route.response_model):
                    if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                        _fields(leaf, seen, out)
    return out
