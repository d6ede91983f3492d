"""A builder file: ``builder = "my_net.py:make_model"``, a student's function that returns an uncompiled Keras model.

It is read here without being run: the file must exist inside the project's
folder, parse, and define the function at its top level, whose keyword
parameters and literal defaults are read with :mod:`ast`. The file's bytes are
part of every cache key of its models. Running it is building a model, which
:mod:`analysis.models` does, and only when one of its models must be trained.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import SpecError
from analysis.messages import toml


@dataclass(frozen=True)
class Builder:
    """``builder = "file.py:function"``: a Python function that returns an uncompiled ``keras.Model``."""

    path: Path  # absolute
    function: str
    label: str  # "file.py:function" as written in the project file (an absolute path made relative), for messages
    sha256: str  # of the file's bytes: a changed file is a new model
    # The function's keyword parameters and their default values (None: no default), read from its source.
    keywords: tuple[tuple[str, object], ...] = ()
    # The keyword arguments this network is built with (an experiment's variant).
    arguments: tuple[tuple[str, object], ...] = ()

    @property
    def call(self) -> str:
        """``make_model(kernel=5)``: the call that builds this network, for messages."""
        return f"{self.function}({', '.join(f'{key}={value!r}' for key, value in self.arguments)})"


def read_builder(value: object, place: str, folder: Path) -> Builder:
    """``"file.py:function"``, checked without running the file: it exists, parses, and defines the function."""
    if not isinstance(value, str) or value.count(":") < 1 or not value.rsplit(":", 1)[1].strip():
        raise SpecError(f'{place} = {toml(value)}: expected "file.py:function", e.g. builder = "my_net.py:make_model"')
    file_part, function = (part.strip() for part in value.rsplit(":", 1))
    path = Path(file_part).expanduser()
    path = (path if path.is_absolute() else folder / path).resolve()
    if not path.is_file():
        raise SpecError(f"{place} = {toml(value)}: no such file {path}; fix the path (relative to the project file)")
    if not path.is_relative_to(folder.resolve()):
        raise SpecError(
            f"{place} = {toml(value)}: {path} is outside the project folder {folder}; move it in "
            "(it travels with the project, to SageMaker too)"
        )
    source = path.read_bytes()
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        raise SpecError(f"{path}:{error.lineno}: {error.msg}; fix the builder file") from None
    functions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if function not in functions:
        raise SpecError(
            f"{place} = {toml(value)}: {path.name} defines no function {function!r} at its top level"
            + (f"; it defines {', '.join(functions)}" if functions else "")
        )
    if Path(file_part).expanduser().is_absolute():
        # Named from the project folder, as a relative path would be: the label reaches report.json, which may be
        # handed in, and must not say where its author keeps their files.
        value = f"{path.relative_to(folder.resolve()).as_posix()}:{function}"
    return Builder(
        path=path,
        function=function,
        label=value,
        sha256=hashlib.sha256(source).hexdigest(),
        keywords=_keywords(functions[function]),
    )


def _keywords(function: ast.FunctionDef) -> tuple[tuple[str, object], ...]:
    """The parameters a function accepts by keyword, each with its default (a literal) or None; ``**`` as ``"**"``."""
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    defaults: list[object] = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    pairs = list(zip(arguments.args, defaults[len(arguments.posonlyargs) :]))
    pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults))
    keywords = []
    for argument, default in pairs:
        try:
            value = ast.literal_eval(default) if default is not None else None
        except ValueError:
            value = None  # a default that is not a literal cannot be compared with the experiment's values
        keywords.append((argument.arg, value))
    if arguments.kwarg is not None:
        keywords.append(("**", None))
    return tuple(keywords)
