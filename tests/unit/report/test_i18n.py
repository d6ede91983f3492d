"""The Spanish edition: complete catalogs, numbers written the Spanish way, and both editions rendered in full."""

from __future__ import annotations

import ast
import json

import pytest
from click.testing import CliRunner

from analysis.errors import RenderError, SageMakerError
from report import i18n
from report.cli import main
from report.config import resolve_config
from report.i18n import LANGUAGES, load_catalog, number_format, translator
from report.render import format_percent_spread, make_environment
from report.sagemaker.job import parse_hyperparameters

from i18n_checks import FIGURES_DIR, PLACEHOLDER, TAG, VARIABLES_FILE, python_messages, template_messages

# --- Catalogs ---------------------------------------------------------------------------------------------------


def test_figures_translate_only_literal_strings():
    """Otherwise a msgid would escape the completeness check below."""
    calls = []
    for path in sorted(FIGURES_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls += [
            (path, node)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
        ]
    assert calls
    for path, call in calls:
        assert len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str), (
            f"report/figures/{path.name}:{call.lineno}: _() must be called with one literal string"
        )


def test_the_variables_mark_only_literal_strings():
    """Every label of the table of variables is an N_() of one literal string, so the check below sees them all."""
    tree = ast.parse(VARIABLES_FILE.read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"
    ]
    assert len(calls) >= 6 * 4  # a column, a phrase, a title and a model label (or named values) per variable
    for call in calls:
        assert len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str), (
            f"analysis/variables.py:{call.lineno}: N_() must be called with one literal string"
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
    assert [numbers.integer(value) for value in (121930, 60000, 10000, 5923, 784)] == [
        "121.930",
        "60.000",
        "10.000",
        "5923",
        "784",
    ]
    assert numbers.decimal(0.041612) == "0,0416"
    assert numbers.decimal_spread(0.041612, 0.0012) == f"0,0416{NBSP}±{NBSP}0,0012"
    assert numbers.ratio(2.345) == "2,3×" and numbers.ratio(None) == "n/d"
    assert [numbers.seconds(value) for value in (0.42, 42, 365)] == [
        f"0,4{NBSP}s",
        f"42{NBSP}s",
        f"6{NBSP}min{NBSP}05{NBSP}s",
    ]
    assert numbers.count(12345.0) == "12.345" and numbers.count(105.25) == "105,2"


# --- Settings -----------------------------------------------------------------------------------------------------


def test_language_is_part_of_the_command_line():
    assert resolve_config({"lang": "es"}).as_command_line().endswith("--lang es")
    assert resolve_config().as_command_line().endswith("--lang en")


def test_unknown_language_is_a_usage_error_naming_the_option():
    result = CliRunner().invoke(main, ["build", "--lang", "fr"])
    assert result.exit_code == 2
    assert "--lang" in result.output and "fr" in result.output


def test_sagemaker_hyperparameter_sets_the_language():
    assert parse_hyperparameters({"lang": "es"}) == {"lang": "es"}
    # The choices are the command line's --lang's, named in a hyperparameter's words.
    with pytest.raises(SageMakerError, match="lang='fr': unknown report language; choose one of en, es"):
        parse_hyperparameters({"lang": "fr"})
