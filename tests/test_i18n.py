"""The Spanish edition: complete catalogs, numbers written the Spanish way, and both editions rendered in full."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from analysis.errors import RenderError, SageMakerError
from report import i18n
from report.cli import main
from report.config import BuildConfig
from report.i18n import LANGUAGES, load_catalog, number_format, translator
from report.render import TEMPLATES_DIR, format_percent_spread, make_environment
from report.sagemaker.job import parse_hyperparameters

REPORT_DIR = Path(i18n.__file__).parent
# The names the report's Python code calls its translator by (report/figures.py uses `_`).
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
ENGLISH_PHRASES = ["Introduction", "The data", "The baseline", "The convolutional network", "Baseline versus CNN",
                   "Kernel size", "The course's questions", "inductive bias", "Appendix", "Figure ", "Table ",
                   "test accuracy", "parameters", "Page "]


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


def python_messages() -> set[str]:
    """Every literal string the report's Python code passes to its translator."""
    messages = set()
    for path in sorted(REPORT_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TRANSLATOR_NAMES:
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    messages.add(node.args[0].value)
    return messages


def text_of(document: str) -> str:
    """The visible text of an HTML page, whitespace collapsed (no-break spaces included)."""
    body = re.sub(r"<(style|title)>.*?</\1>", " ", document, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(path).pages))


# --- Catalogs ---------------------------------------------------------------------------------------------------


def test_figures_translate_only_literal_strings():
    """Otherwise a msgid would escape the completeness check below."""
    tree = ast.parse((REPORT_DIR / "figures.py").read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id == "_"]
    assert calls
    for call in calls:
        assert len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str), (
            f"report/figures.py:{call.lineno}: _() must be called with one literal string"
        )


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != i18n.SOURCE_LANGUAGE])
def test_catalog_translates_every_string_and_nothing_else(lang):
    catalog = load_catalog(lang)
    from_templates, from_python = template_messages(), python_messages()
    assert len(from_templates) > 100 and len(from_python) > 10
    missing = sorted(message for message in from_templates | from_python if not catalog.get(message, "").strip())
    assert not missing, f"untranslated in templates/i18n/{lang}/: {missing}"
    stale = sorted(set(catalog) - from_templates - from_python)
    assert not stale, f"templates/i18n/{lang}/ translates strings no template or figure uses any more: {stale}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != i18n.SOURCE_LANGUAGE])
def test_translations_keep_placeholders_and_markup(lang):
    catalog = load_catalog(lang)
    from_templates = template_messages()
    for msgid, msgstr in catalog.items():
        assert set(PLACEHOLDER.findall(msgstr)) == set(PLACEHOLDER.findall(msgid)), msgid
        assert sorted(TAG.findall(msgstr)) == sorted(TAG.findall(msgid)), msgid
        if msgid in from_templates:
            # Templates always %-format a translation (new-style gettext): a stray % would fail at render time.
            msgstr % {name: "x" for name in PLACEHOLDER.findall(msgid)}


def test_a_missing_translation_is_an_error_naming_it():
    with pytest.raises(RenderError, match="no Spanish translation of 'A sentence nobody wrote'"):
        translator("es")("A sentence nobody wrote")
    with pytest.raises(RenderError, match="Not in any catalog"):
        make_environment("es").from_string('<p>{{ _("Not in any catalog") }}</p>').render()


def test_english_is_its_own_translation():
    assert translator("en")("Anything at all") == "Anything at all"


def test_catalog_files_must_agree(tmp_path, monkeypatch):
    folder = tmp_path / "es"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({"model": "modelo", "seed": "semilla"}), encoding="utf-8")
    (folder / "b.json").write_text(json.dumps({"model": "modelo"}), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGS_DIR", tmp_path)
    load_catalog.cache_clear()
    try:
        assert load_catalog("es") == {"model": "modelo", "seed": "semilla"}
        (folder / "b.json").write_text(json.dumps({"model": "arquitectura"}), encoding="utf-8")
        load_catalog.cache_clear()
        with pytest.raises(RenderError, match="translated differently"):
            load_catalog("es")
    finally:
        load_catalog.cache_clear()


# --- Numbers ----------------------------------------------------------------------------------------------------

NBSP = "\u00a0"


def test_english_numbers_are_unchanged():
    numbers = number_format("en")
    assert numbers.percent(0.98941) == "98.94%"
    assert numbers.percent(0.5, 0) == "50%"
    assert numbers.percent_spread(0.98941, 0.00052) == "98.94 ± 0.05%"
    assert numbers.percent_spread(0.98941, None) == "98.94%"
    assert numbers.points(1.4) == "+1.40 pp"
    assert numbers.integer(121930) == "121,930"
    assert numbers.integer(5923) == "5,923"
    assert numbers.decimal(0.041612) == "0.0416"
    assert numbers.decimal_spread(0.041612, 0.0012) == "0.0416 ± 0.0012"
    assert numbers.ratio(2.345) == "2.3×" and numbers.ratio(None) == "n/a"
    assert [numbers.seconds(value) for value in (0.42, 42, 365)] == ["0.4 s", "42 s", "6 min 05 s"]
    assert numbers.count(1234.0) == "1,234" and numbers.count(105.25) == "105.2"
    assert format_percent_spread(0.98941, 0.00052) == "98.94 ± 0.05%"


def test_spanish_numbers_use_a_decimal_comma_and_no_break_spaces():
    numbers = number_format("es")
    assert numbers.percent(0.98941) == f"98,94{NBSP}%"
    assert numbers.percent_spread(0.98941, 0.00052) == f"98,94{NBSP}±{NBSP}0,05{NBSP}%"
    assert numbers.points(1.4) == f"+1,40{NBSP}p.{NBSP}p."
    assert numbers.points(-0.5) == f"\N{MINUS SIGN}0,50{NBSP}p.{NBSP}p."
    # Spanish groups thousands with a point, but not in four-digit numbers (CLDR, RAE).
    assert [numbers.integer(value) for value in (121930, 60000, 10000, 5923, 784)] == ["121.930", "60.000", "10.000", "5923", "784"]
    assert numbers.decimal(0.041612) == "0,0416"
    assert numbers.decimal_spread(0.041612, 0.0012) == f"0,0416{NBSP}±{NBSP}0,0012"
    assert numbers.ratio(2.345) == "2,3×" and numbers.ratio(None) == "n/d"
    assert [numbers.seconds(value) for value in (0.42, 42, 365)] == [f"0,4{NBSP}s", f"42{NBSP}s", f"6{NBSP}min{NBSP}05{NBSP}s"]
    assert numbers.count(12345.0) == "12.345" and numbers.count(105.25) == "105,2"


# --- Settings -----------------------------------------------------------------------------------------------------


def test_language_is_part_of_the_command_line():
    assert BuildConfig(lang="es").as_command_line().endswith("--lang es")
    assert BuildConfig().as_command_line().endswith("--lang en")


def test_unknown_language_is_a_usage_error_naming_the_option():
    result = CliRunner().invoke(main, ["build", "--lang", "fr"])
    assert result.exit_code == 2
    assert "--lang" in result.output and "fr" in result.output


def test_sagemaker_hyperparameter_sets_the_language():
    assert parse_hyperparameters({"lang": "es"}) == {"lang": "es"}
    with pytest.raises(SageMakerError, match="lang='fr': unknown report language; choose one of en, es"):
        parse_hyperparameters({"lang": "fr"})


# --- Both editions, rendered from a real build ------------------------------------------------------------------


def _edition_text(editions: dict, lang: str) -> tuple[str, dict]:
    """An edition's page text and summary, after checking both say its language."""
    edition = editions[lang]
    assert f'<html lang="{lang}">' in edition["html"]
    assert edition["summary"]["settings"]["lang"] == lang
    return text_of(edition["html"]), edition["summary"]


@pytest.mark.slow
def test_spanish_edition_is_spanish_throughout(editions):
    text, summary = _edition_text(editions, "es")
    for heading in SPANISH_SECTIONS:
        assert heading in text, heading
    assert "Página" in editions["es"]["html"]  # the page footer, set in the template's style
    cnn = summary["models"]["cnn_k3"]
    # Spanish numbers written out here, not with report/i18n.py: a decimal comma, spaces around ± and before %.
    accuracy = f"{100 * cnn['test_accuracy']:.2f} ± {100 * cnn['test_accuracy_std']:.2f} %".replace(".", ",")
    loss = f"{cnn['test_loss']:.4f} ± {cnn['test_loss_std']:.4f}".replace(".", ",")
    for formatted in (accuracy, loss, "121.930"):
        assert formatted in text, formatted
    for phrase in ENGLISH_PHRASES:
        assert phrase not in text, phrase
    # Models by their Spanish names, everywhere: never an internal key, never the English word.
    assert "cnn_k" not in text and "baseline" not in text
    assert "modelo base" in text and "CNN 3×3" in text


@pytest.mark.slow
def test_spanish_edition_keeps_no_english_sentence(editions):
    """The longest fixed stretch of each translated English msgid must be absent from the Spanish page."""
    catalog = load_catalog("es")
    text = text_of(editions["es"]["html"])
    for msgid in template_messages():
        if " ".join(catalog.get(msgid, "").split()) in ("", " ".join(msgid.split())):
            continue
        stretches = re.split(r"%\(\w+\)s|</?[a-z]+>", msgid.replace("%%", "%"))
        longest = max((" ".join(stretch.split()) for stretch in stretches), key=len)
        if len(longest) >= 12:
            assert longest not in text, msgid


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "es"])
def test_sentences_are_never_glued_together(editions, lang):
    """Consecutive translated sentences keep the space between them."""
    document = re.sub(r"<code>.*?</code>", " ", editions[lang]["html"], flags=re.S)
    glued = re.findall(r"\S*[a-záéíóúñ)][.:;][A-ZÁÉÍÓÚ¿]\S*", text_of(document))
    assert not glued, glued


@pytest.mark.slow
def test_english_edition_is_unchanged(editions):
    text, summary = _edition_text(editions, "en")
    for heading in ("1. Introduction", "2. The data", "5. Baseline versus CNN", "Appendix: reproducibility"):
        assert heading in text
    cnn = summary["models"]["cnn_k3"]
    assert format_percent_spread(cnn["test_accuracy"], cnn["test_accuracy_std"]) in text
    assert "121,930" in text
    assert "Página" not in editions["en"]["html"] and "modelo base" not in text


@pytest.mark.slow
def test_spanish_pdf_shows_the_spanish_sections(editions):
    text = pdf_text(editions["es"]["pdf"])
    for heading in SPANISH_SECTIONS:
        assert heading in text, heading
    assert "Página 1 de" in text
