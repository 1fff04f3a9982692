"""Declared operations: each family method is a typed stub bound to one (method, path).

A stub's signature is the operation's signature: path parameters by their names in the path,
``body`` for the request body, ``if_match`` / ``idempotency_key`` for those headers, and every
other argument a query parameter. The same declaration serves the sync and the async client:
read through a ``Family[Sync]`` an operation returns its result, through a ``Family[Async]`` an
awaitable (or an async iterator for lists). :data:`OPERATIONS` maps every declared
(method, path) to the family method that serves it, which the coverage test compares with the
gateway's merged OpenAPI document.
"""

from __future__ import annotations

import inspect
import string
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Literal, ParamSpec, TypeVar, overload
from urllib.parse import quote

if TYPE_CHECKING:
    from sdgc._core import AsyncCore, SyncCore

P = ParamSpec("P")
SR = TypeVar("SR")
AR = TypeVar("AR")

Kind = Literal["json", "create", "pages", "array", "raw"]


class Sync:
    """Marker: a family read through the synchronous client."""


class Async:
    """Marker: a family read through the asynchronous client."""


M = TypeVar("M", Sync, Async)


class Family(Generic[M]):
    """A resource family: its operations are :class:`Operation` descriptors."""

    def __init__(self, core: SyncCore | AsyncCore) -> None:
        self._core = core


@dataclass(frozen=True)
class Spec:
    """What to send: method, path template, kind of answer, the stub's signature."""

    method: str
    path: str
    kind: Kind
    signature: inspect.Signature
    path_params: tuple[str, ...]
    content_type: str | None = None

    def split(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Call:
        bound = self.signature.bind(None, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        values.pop(next(iter(self.signature.parameters)))  # self
        extra = values.pop("query", None) or {}
        path = self.path.format(
            **{name: quote(str(values.pop(name)), safe="") for name in self.path_params}
        )
        body = values.pop("body", None)
        headers = {}
        if_match = values.pop("if_match", None)
        if if_match is not None:
            headers["If-Match"] = str(if_match)
        key = values.pop("idempotency_key", None)
        if key is not None:
            headers["Idempotency-Key"] = str(key)
        query = {k: v for k, v in {**values, **extra}.items() if v is not None}
        return Call(self, path, query, body, headers)


@dataclass(frozen=True)
class Call:
    """One bound operation, ready for a core to send."""

    spec: Spec
    path: str
    query: dict[str, Any]
    body: Any
    headers: dict[str, str]


OPERATIONS: dict[tuple[str, str], list[str]] = {}


class Operation(Generic[P, SR, AR]):
    """Descriptor: ``family.op(...)`` sends the declared operation through the family's core."""

    def __init__(
        self,
        method: str,
        path: str,
        kind: Kind,
        stub: Callable[..., object],
        content_type: str | None = None,
    ) -> None:
        names = tuple(f for _, f, _, _ in string.Formatter().parse(path) if f)
        self.spec = Spec(method, path, kind, inspect.signature(stub), names, content_type)
        self.__doc__ = stub.__doc__
        self.name = stub.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        OPERATIONS.setdefault((self.spec.method, self.spec.path), []).append(
            f"{owner.__name__}.{name}"
        )

    @overload
    def __get__(self, family: None, owner: type) -> Operation[P, SR, AR]: ...
    @overload
    def __get__(self, family: Family[Sync], owner: type) -> Callable[P, SR]: ...
    @overload
    def __get__(self, family: Family[Async], owner: type) -> Callable[P, AR]: ...
    def __get__(self, family: Family[Any] | None, owner: type) -> Any:
        if family is None:
            return self
        core = family._core
        spec = self.spec

        def bound(*args: Any, **kwargs: Any) -> Any:
            return core.run(spec.split(args, kwargs))

        bound.__doc__ = self.__doc__
        bound.__name__ = self.name
        return bound


class Record(dict[str, Any]):
    """A JSON object answered by the API, with the answer's ``ETag`` and ``Location`` and
    whether it was an idempotent replay (``Idempotent-Replayed``)."""

    etag: str | None = None
    location: str | None = None
    replayed: bool = False


class Declare(Generic[SR, AR]):
    """A decorator declaring one operation; its result types are fixed by the kind."""

    def __init__(self, method: str, path: str, kind: Kind, content_type: str | None) -> None:
        self.args = (method, path, kind)
        self.content_type = content_type

    def __call__(self, stub: Callable[Concatenate[Any, P], object]) -> Operation[P, SR, AR]:
        method, path, kind = self.args
        return Operation(method, path, kind, stub, self.content_type)


def one(
    method: str, path: str, *, content_type: str | None = None
) -> Declare[Record, Awaitable[Record]]:
    """An operation answering one JSON document (``content_type`` for a text or bytes body)."""
    return Declare(method, path, "json", content_type)


def create(path: str, *, content_type: str | None = None) -> Declare[Record, Awaitable[Record]]:
    """A POST that accepts Idempotency-Key: one is generated when the caller gives none, so
    the call is safe to retry."""
    return Declare("POST", path, "create", content_type)


def pages(path: str) -> Declare[Iterator[Record], AsyncIterator[Record]]:
    """A cursor-paginated list: iterates over every item, page after page."""
    return Declare("GET", path, "pages", None)


def array(path: str) -> Declare[list[Record], Awaitable[list[Record]]]:
    """A GET answering a JSON array of objects (not paginated)."""
    return Declare("GET", path, "array", None)


def raw(method: str, path: str) -> Declare[RawAnswer, Awaitable[RawAnswer]]:
    """An operation answering something other than JSON (XML, CSV, metrics text)."""
    return Declare(method, path, "raw", None)


@dataclass(frozen=True)
class RawAnswer:
    """A non-JSON answer: its bytes and media type."""

    content: bytes
    media_type: str

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")
