"""How messages about a student's networks and experiment quote what was written: values as TOML, names with a close match.

The project file's own tables quote their values the same way in report/project.py.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from analysis.errors import SpecError


def check_keys(table: Mapping, valid: tuple[str, ...], what: str, where: str) -> None:
    """Raise :class:`SpecError` unless ``table`` is a table whose keys are all ``valid``."""
    if not isinstance(table, Mapping):
        raise SpecError(f"{where}: expected a table, got {toml(table)}")
    for key in table:
        if key not in valid:
            raise SpecError(f"{where}: {unknown(key, valid, what)}")


def unknown(name: str, valid, what: str) -> str:
    """``unknown <what> 'name'; did you mean 'close'? Valid: ...``, the close match only where there is one."""
    valid = list(valid)
    # Spelling slips ("kernal") by similarity; longer or shorter forms ("convolution", "Conv") by prefix.
    close = (
        difflib.get_close_matches(name.lower(), valid, n=1)
        or [
            option for option in valid if name and (name.lower().startswith(option) or option.startswith(name.lower()))
        ][:1]
    )
    hint = f"; did you mean {close[0]!r}? Valid: " if close else "; valid: "
    return f"unknown {what} {name!r}{hint}{', '.join(valid)}"


def toml(value: object) -> str:
    """A value as it is written in TOML, whole floats without their ``.0`` (a width of 2, not 2.0)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(toml(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{key} = {toml(item)}" for key, item in value.items()) + " }"
    return str(value)


def size(shape: tuple[int, ...]) -> str:
    """``13×13×32``."""
    return "×".join(map(str, shape))
