"""Config files, read one way: the training config (:mod:`gkml.training.config`) and the
generator's (:mod:`gkml.training.synth.config`) share the YAML reading, the deep merge, the
``--set KEY=VALUE`` parser and the error that names the key.

A config is read once and checked completely before anything runs, so a typo fails in the
first second with the key that is wrong (``data.train[0].weight: must be > 0``), not after
twenty minutes of data preparation. :func:`from_dict` checks a mapping against a dataclass
tree; a config kept as a nested dict (the generator's mixes) checks itself but reports
through the same :class:`ConfigError`.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

import yaml


class ConfigError(ValueError):
    """A config value that cannot be used: ``key`` is its dotted path (``model.layers``,
    ``data.train[0]``; empty for the whole config), ``source`` the file it came from."""

    def __init__(self, key: str, why: str, source: str | Path | None = None):
        self.key, self.why, self.source = key, why, source
        super().__init__(": ".join(str(part) for part in (source, key, why) if part))

    def in_file(self, source: str | Path) -> ConfigError:
        """The same error, said of ``source``."""
        return ConfigError(self.key, self.why, source)


def describe(value: Any) -> str:
    """A value as an error message shows it: its YAML type and (shortened) text."""
    kind = _type_name(type(value)) if not isinstance(value, dict | list) else type(value).__name__
    text = repr(value)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


# ---------------------------------------------------------------------------
# YAML in and out


def load_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping a YAML config file holds (an empty file is an empty mapping)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError("", f"not valid YAML: {e}", path) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("", f"expected a mapping at the top level, got {describe(data)}", path)
    return data


def dump_yaml(data: dict[str, Any]) -> str:
    """A mapping as YAML, keys in their order, Chinese kept readable."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["training.max_steps=20", "output_dir=/tmp/m"]`` → a nested mapping (values read as
    YAML), to :func:`merge` over a config."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {item!r}", "expected KEY=VALUE, e.g. training.max_steps=20")
        node = out
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key.strip()}", f"{part!r} is not a mapping")
        node[parts[-1]] = yaml.safe_load(text)
    return out


def merge(
    base: dict[str, Any],
    override: Any,
    where: str = "",
    *,
    strict: bool = False,
    replace: Collection[str] = (),
) -> dict[str, Any]:
    """``override`` laid over ``base`` (a new mapping; neither is changed): mappings merge key by
    key, any other value replaces.

    ``strict``: ``base`` lists every key there is (a config of defaults), so a key it lacks is
    an error, as is a plain value where it has a mapping. ``replace``: dotted keys whose mapping
    is taken whole rather than merged (a mix names all its shares). YAML reads ``2021:`` as an
    int: keys are made strings."""
    if not isinstance(override, dict):
        raise ConfigError(where, f"expected a mapping, got {describe(override)}")
    out = copy.deepcopy(base)
    for key, value in override.items():
        key = str(key)
        name = f"{where}.{key}" if where else key
        if key not in base:
            if strict:
                raise ConfigError(where, f"unknown key {key!r} (known: {', '.join(map(str, base))})")
            out[key] = value
        elif not isinstance(base[key], dict):
            out[key] = value
        elif not isinstance(value, dict):
            if strict:
                raise ConfigError(name, f"expected a mapping, got {describe(value)}")
            out[key] = value
        elif name in replace:
            out[key] = {str(k): v for k, v in value.items()}
        else:
            out[key] = merge(base[key], value, name, strict=strict, replace=replace)
    return out


# ---------------------------------------------------------------------------
# Dataclass trees built from mappings, every value checked against its annotation


def _type_name(tp: Any) -> str:
    if tp is type(None):
        return "null"
    if isinstance(tp, type):
        return {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}.get(
            tp.__name__, "mapping" if dataclasses.is_dataclass(tp) else tp.__name__
        )
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is list:
        return "list"
    if origin is dict:
        return "mapping"
    return str(tp)


def _convert(value: Any, tp: Any, where: str) -> Any:
    """``value`` checked against the annotation ``tp`` (and built, for dataclasses)."""
    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args:
                return None
        else:
            for arg in args:
                if arg is type(None):
                    continue
                try:
                    return _convert(value, arg, where)
                except ConfigError:
                    if len(args) == 2:  # X | None: the error of X is the useful one
                        raise
        raise ConfigError(where, f"expected {_type_name(tp)}, got {describe(value)}")
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise ConfigError(where, f"expected {_type_name(tp)}, got {describe(value)}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(where, f"expected a list, got {describe(value)}")
        (item,) = typing.get_args(tp)
        return [_convert(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(where, f"expected a mapping, got {describe(value)}")
        key_tp, val_tp = typing.get_args(tp)
        return {
            _convert(k, key_tp, f"{where} key"): _convert(v, val_tp, f"{where}.{k}") for k, v in value.items()
        }
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(where, f"expected boolean, got {describe(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(where, f"expected integer, got {describe(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(where, f"expected number, got {describe(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(where, f"expected string, got {describe(value)}")
        return value
    raise TypeError(f"{where}: unsupported annotation {tp!r}")  # a bug in the schema, not the config


def from_dict(cls: type, data: Any, where: str = "config") -> Any:
    """Build dataclass ``cls`` from a YAML mapping, rejecting unknown keys, missing required
    keys and wrong types with a :class:`ConfigError` naming the key path."""
    if not isinstance(data, dict):
        raise ConfigError(where, f"expected a mapping, got {describe(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise ConfigError(where, f"unknown key {unknown[0]!r} (known: {', '.join(fields)})")
    kwargs = {}
    for name, f in fields.items():
        key = f"{where}.{name}" if where else name
        if name in data:
            kwargs[name] = _convert(data[name], hints[name], key)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(where, f"missing required key {name!r}")
    return cls(**kwargs)
