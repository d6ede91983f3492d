"""What the translation tests read: every msgid of the templates and the code, and a page's visible text."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

from pypdf import PdfReader

from report import i18n
from report.render import TEMPLATES_DIR, make_environment

REPORT_DIR = Path(i18n.__file__).parent
FIGURES_DIR = REPORT_DIR / "figures"
# The table of experiment variables: its labels are msgids, marked with N_() where they are written.
VARIABLES_FILE = REPORT_DIR.parent / "analysis" / "variables.py"
# The names the report's Python code calls its translator by (report/figures/ uses `_`).
TRANSLATOR_NAMES = {"_", "translate"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"</?[a-z]+>")
SPANISH_SECTIONS = [
    "1. Introducción",
    "2. Los datos",
    "3. El modelo base: una red totalmente conectada",
    "4. La red convolucional",
    "5. Modelo base frente a CNN",
    "6. Tamaño del kernel: ¿3×3?",  # the editions fixture runs the experiment with one kernel size
    "7. Las preguntas del curso",
    "¿Por qué las capas convolucionales superaron al modelo base",
    "¿Qué sesgo inductivo introduce la convolución?",
    "¿Cuándo NO sería apropiada la convolución?",
    "Apéndice: reproducibilidad",
]
ENGLISH_PHRASES = [
    "Introduction",
    "The data",
    "The baseline",
    "The convolutional network",
    "Baseline versus CNN",
    "Kernel size",
    "The course's questions",
    "inductive bias",
    "Appendix",
    "Figure ",
    "Table ",
    "test accuracy",
    "parameters",
    "Page ",
]


def template_messages() -> set[str]:
    """Every msgid of every template, as the i18n extension extracts it (trimmed, %-escaped)."""
    environment = make_environment("en")
    messages = set()
    for path in sorted(TEMPLATES_DIR.rglob("*.j2")):
        for _line, function, message in environment.extract_translations(path.read_text(encoding="utf-8")):
            strings = [message] if isinstance(message, str) else [part for part in message if isinstance(part, str)]
            assert function in ("_", "gettext", "ngettext"), f"{path.name}: {function} is not installed"
            messages.update(strings[:2] if function == "ngettext" else strings[:1])
    return messages


def literal_calls(path: Path, names: set[str]) -> set[str]:
    """The literal strings ``path`` passes as first argument to a function called by one of ``names``."""
    messages = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                messages.add(node.args[0].value)
    return messages


def python_messages() -> set[str]:
    """Every literal string the report's Python code (its subpackages included) passes to its translator, and every
    label the table of experiment variables marks for translation."""
    messages = literal_calls(VARIABLES_FILE, {"N_"})
    for path in sorted(REPORT_DIR.rglob("*.py")):
        messages |= literal_calls(path, TRANSLATOR_NAMES)
    return messages


def text_of(document: str) -> str:
    """The visible text of an HTML page, whitespace collapsed (no-break spaces included)."""
    body = re.sub(r"<(style|title)>.*?</\1>", " ", document, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(path).pages))
