"""The Spanish edition: complete catalogs, numbers written the Spanish way, and both editions rendered in full."""

from __future__ import annotations

import re

import pytest

from report.i18n import load_catalog
from report.render import format_percent_spread

from i18n_checks import ENGLISH_PHRASES, SPANISH_SECTIONS, pdf_text, template_messages, text_of


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
