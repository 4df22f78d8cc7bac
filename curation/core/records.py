"""What every JSON document the tool writes shares: a kind, a ``format_version`` and one
way to read it back.

A record type (the build manifest, the score summary, the eval run record) is a frozen
dataclass deriving from :class:`JsonRecord`: it says how it turns into a dict and back, and
gets ``to_json``, ``from_json``, ``read`` and ``write``.  A document of a format version
this tool does not know is one clear error.  Documents written before format versions
existed carry none; their shape is version 1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, TypeVar

from curation.core.errors import InputError
from curation.core.jsonio import json_text, parse_json, read_json, write_atomic

FORMAT_KEY = "format_version"
_BAD_SHAPE = (KeyError, TypeError, ValueError, AttributeError)


class JsonRecord(ABC):
    KIND: ClassVar[str]  # what the document is, for messages: "build manifest"
    FORMAT_VERSION: ClassVar[int] = 1

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The document without its format version."""

    @classmethod
    @abstractmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Self:
        """The record of a document whose format version was checked; raise KeyError,
        TypeError or ValueError on a wrong shape."""

    def to_json(self) -> str:
        return json_text({FORMAT_KEY: self.FORMAT_VERSION, **self.to_dict()})

    def write(self, path: str | Path) -> None:
        write_atomic(path, self.to_json())

    @classmethod
    def from_document(cls, doc: Any, where: str | Path | None = None) -> Self:
        """Check the format version and the shape of a parsed document."""
        if not isinstance(doc, Mapping):
            raise InputError(where, None, f"not a {cls.KIND} (expected a JSON object)")
        found = doc.get(FORMAT_KEY, 1)
        if found != cls.FORMAT_VERSION:
            raise InputError(
                where,
                None,
                f"{cls.KIND} of format_version {found!r}: this mathif reads format_version "
                f"{cls.FORMAT_VERSION} only; use the mathif that wrote it, or make it again",
            )
        try:
            return cls.from_dict({k: v for k, v in doc.items() if k != FORMAT_KEY})
        except _BAD_SHAPE as exc:
            raise InputError(where, None, f"not a {cls.KIND} ({type(exc).__name__}: {exc})") from None

    @classmethod
    def from_json(cls, text: str, where: str | Path | None = None) -> Self:
        return cls.from_document(parse_json(text, where), where)

    @classmethod
    def read(cls, path: str | Path) -> Self:
        """Read and check one file: missing, malformed or of another version is one InputError."""
        return cls.from_document(read_json(path, cls.KIND), path)


def typed(value: Any, kind: type | tuple[type, ...], name: str) -> Any:
    """``value`` if it is of ``kind`` (a bool is no int here), else a TypeError naming ``name``."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
        return value
    names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
    raise TypeError(f"{name} must be {names}, got {type(value).__name__}")


class Part(Protocol):
    """A piece of a record: a frozen dataclass that turns into a dict and back."""

    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Self: ...


P = TypeVar("P", bound=Part)


def records_of(doc: Any, kind: type[P], name: str) -> dict[str, P]:
    """A JSON object of parts (group name -> part), each read with ``kind.from_dict``."""
    return {
        typed(k, str, name): kind.from_dict(typed(v, dict, f"{name}.{k}"))
        for k, v in typed(doc, dict, name).items()
    }


def dicts_of(parts: Mapping[str, Part]) -> dict[str, dict[str, Any]]:
    return {k: v.to_dict() for k, v in parts.items()}
