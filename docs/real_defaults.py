"""A griffe extension for the API reference: signatures show default values, not names.

Read from source, a default such as ``DEFAULT_MAX_DECOMPRESSED_BYTES`` says where
the value lives, not what it is. This imports the documented function and puts
the value it really has in the signature (``67_108_864``).

Loaded by mkdocs.yml (``extensions`` of the mkdocstrings Python handler).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import griffe


class RealDefaults(griffe.Extension):
    def on_function(self, *, func: griffe.Function, **kwargs: Any) -> None:
        named = [p for p in func.parameters if _is_name(p.default)]
        if not named:
            return
        runtime = _runtime_parameters(func)
        for parameter in named:
            if parameter.name in runtime:
                value = _shown_value(runtime[parameter.name].default)
                if value is not None:
                    parameter.default = value

    def on_attribute(self, *, attr: griffe.Attribute, **kwargs: Any) -> None:
        """Fields of named tuples, whose defaults are the class's own."""
        if not (_is_name(attr.value) and attr.parent is not None and attr.parent.is_class):
            return
        owner = _runtime_object(attr.parent)
        defaults = getattr(owner, "_field_defaults", {})
        if attr.name in defaults:
            attr.value = _literal(defaults[attr.name])


def _is_name(default: object) -> bool:
    return isinstance(default, (griffe.ExprName, griffe.ExprAttribute))


def _runtime_object(obj: griffe.Object) -> Any:
    """The imported object ``obj`` documents, or None (its module needs an extra that is
    not installed: then the name stays, and docs/check_site.py reports it if shown)."""
    module_path = obj.module.path
    try:
        found: Any = importlib.import_module(module_path)
    except ImportError:
        return None
    for part in obj.path[len(module_path) + 1 :].split("."):
        found = inspect.getattr_static(found, part, None)
        if found is None:
            return None
    if isinstance(found, (classmethod, staticmethod)):
        return found.__func__
    return found


def _runtime_parameters(func: griffe.Function) -> dict[str, inspect.Parameter]:
    function = _runtime_object(func)
    return {} if function is None else dict(inspect.signature(function).parameters)


def _shown_value(value: object) -> str | None:
    return None if value is inspect.Parameter.empty else _literal(value)


def _literal(value: object) -> str:
    if callable(value) and hasattr(value, "__qualname__"):
        return str(value.__qualname__)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, (set, frozenset)):  # sorted, so every build shows the same
            items = ", ".join(sorted(map(repr, value)))
            return f"{type(value).__name__}({{{items}}})"
        return repr(value)
    return f"{value:_}" if abs(value) >= 10_000 else repr(value)
