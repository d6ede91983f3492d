"""What the "What changed since the last report" section says follows the two reports, in English and Spanish.

Each case is a pair of synthetic builds (tests/synthetic.py) whose numbers are chosen exactly; the new one is
rendered with its comparison, as a build renders it. For each claim the section can make, the case names the
alternative the numbers call for: its words must be on the page, every other alternative's words must not.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import pytest

from report.changes import compare_reports
from report.history import extended

import synthetic
from synthetic import Scenario

HEADING = ("What changed since the last report", "Qué cambió desde el informe anterior")
SAME_AS = ("this one is the same as the report of", "este es igual al informe del")

CLAIMS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "noise": {
        # A table row's change, then its verdict.
        "beyond": [("pp beyond seed noise", "p. p. más allá del ruido de semilla")],
        "within": [("pp within seed noise", "p. p. dentro del ruido de semilla")],
        "unjudged": [
            ("cannot be judged (one seed)", "no se puede juzgar (una semilla)"),
            ("With a single seed there is no spread", "Con una sola semilla no hay variación"),
        ],
        "none": [
            (
                "Every test metric of the models both reports have",
                "Todas las métricas de prueba de los modelos que tienen ambos informes",
            )
        ],
    },
    "flip": {
        "flipped": [("Conclusions that flipped:", "Conclusiones que se invirtieron:")],
        "none": [("No conclusion of the report flipped.", "Ninguna conclusión del informe se invirtió.")],
    },
    "reproduced": {
        "no": [("the two builds do not reproduce each other", "las dos compilaciones no se reproducen entre sí")],
        "yes": [],
    },
}


@dataclass(frozen=True)
class Case:
    id: str
    old: Scenario
    new: Scenario
    expect: dict
    # Amends the new report (its environment, say) before it is compared.
    amend: dict = field(default_factory=dict)
    english: tuple[str, ...] = ()
    spanish: tuple[str, ...] = ()


ONE_SEED = synthetic.ONE_SEED

CASES = [
    Case(
        "within noise, nothing else changed",
        Scenario(),
        Scenario(baseline=(31, 29, 27)),
        {"noise": "within", "flip": "none", "reproduced": "no"},
        english=("97.20 ± 0.20%", "97.10 ± 0.20%", "−0.10 pp", "7 other test metric(s) are exactly as before."),
        spanish=("97,20 ± 0,20 %", "97,10 ± 0,20 %", "−0,10 p. p.", "Otras 7 métrica(s) de prueba son exactamente"),
    ),
    Case(
        "beyond noise, on another machine",
        Scenario(),
        Scenario(baseline=(40, 38, 36)),
        {"noise": "beyond", "flip": "none", "reproduced": "yes"},
        amend={"instruction_set": "avx2_other"},
        english=("−1.00 pp", "instruction set:", "→ avx2_other"),
        spanish=("−1,00 p. p.", "juego de instrucciones:", "→ avx2_other"),
    ),
    Case(
        "the cnn falls behind: a flip",
        Scenario(),
        Scenario(kernels={3: (40, 38, 36), 5: (15, 13, 11), 7: (18, 16, 14)}),
        {"noise": "beyond", "flip": "flipped", "reproduced": "no"},
        english=("“the CNN is more accurate than the baseline” held in the previous report; it no longer does.",),
        spanish=("«la CNN es más exacta que el modelo base» se cumplía en el informe anterior; ya no se cumple.",),
    ),
    Case(
        "a new best kernel",
        Scenario(),
        Scenario(kernels={3: (12, 10, 8), 5: (2, 1, 0), 7: (18, 16, 14)}),
        {"noise": "beyond", "flip": "flipped", "reproduced": "no"},
        english=("The experiment's best model was cnn_k3; it is now CNN 5×5.",),
        spanish=("El mejor modelo del experimento era cnn_k3; ahora es CNN 5×5.",),
    ),
    Case(
        "a kernel size dropped",
        Scenario(),
        Scenario(kernels={3: (12, 10, 8), 5: (15, 13, 11)}),
        # Without 7×7 the two kernels left differ by 0.3 pp, within their spread (0.2 + 0.2 pp): the experiment's
        # conclusion flips.
        {"noise": "none", "flip": "flipped", "reproduced": "yes"},
        english=(
            "Models no longer trained: cnn_k7.",
            "kernel sizes: 3, 5, 7 → 3, 5",
            "the networks or the experiment",
            "“the experiment's models differ by more than the seeds' spread” held in the previous report; it no "
            "longer does.",
        ),
        spanish=(
            "Modelos que ya no se entrenan: cnn_k7.",
            "tamaños de kernel: 3, 5, 7 → 3, 5",
            "las redes o el experimento",
            "«los modelos del experimento difieren más que la variación entre semillas» se cumplía en el informe "
            "anterior; ya no se cumple.",
        ),
    ),
    Case(
        "a kernel size added",
        Scenario(kernels={3: (12, 10, 8), 5: (15, 13, 11)}),
        Scenario(),
        {"noise": "none", "flip": "flipped", "reproduced": "yes"},
        english=(
            "New models: CNN 7×7.",
            "kernel sizes: 3, 5 → 3, 5, 7",
            "“the experiment's models differ by more than the seeds' spread” now holds; it did not in the previous "
            "report.",
        ),
        spanish=(
            "Modelos nuevos: CNN 7×7.",
            "tamaños de kernel: 3, 5 → 3, 5, 7",
            "«los modelos del experimento difieren más que la variación entre semillas» se cumple ahora; no se "
            "cumplía en el informe anterior.",
        ),
    ),
    Case(
        "one seed",
        ONE_SEED,
        ONE_SEED.with_(baseline=(40,)),
        {"noise": "unjudged", "flip": "none", "reproduced": "no"},
    ),
]


def _report(scenario: Scenario, lang: str) -> dict:
    return json.loads(json.dumps(synthetic.build(scenario).summary(lang)))


def _page(case: Case, lang: str) -> str:
    old, new = _report(case.old, lang), _report(case.new, lang)
    if "instruction_set" in case.amend:
        new["environment"]["machine"]["instruction_set"] = case.amend["instruction_set"]
    new["changes"] = compare_reports(old, new)
    new["history"] = extended(extended([], old), new)
    return synthetic.page_text(synthetic.render(new, lang))


def _expected_and_opposite(expect: dict, lang: str) -> tuple[set[str], set[str]]:
    index = {"en": 0, "es": 1}[lang]
    present, absent = set(), set()
    for claim, alternatives in CLAIMS.items():
        chosen = expect[claim]
        present |= {pair[index] for pair in alternatives[chosen]}
        for name, phrases in alternatives.items():
            if name != chosen:
                absent |= {pair[index] for pair in phrases}
    return present, absent - present


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_section_says_what_the_two_reports_call_for(case, lang):
    text = _page(case, lang)
    index = {"en": 0, "es": 1}[lang]
    assert HEADING[index] in text and SAME_AS[index] not in text
    present, absent = _expected_and_opposite(case.expect, lang)
    assert not sorted(phrase for phrase in present if phrase not in text), f"{case.id} ({lang}): missing"
    assert not sorted(phrase for phrase in absent if phrase in text), f"{case.id} ({lang}): the opposite is said"
    literals = case.english if lang == "en" else case.spanish
    assert not [literal for literal in literals if literal not in text], f"{case.id} ({lang})"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_nothing_changed_leaves_out_the_section_and_says_so_in_the_appendix(lang):
    index = {"en": 0, "es": 1}[lang]
    report = _report(Scenario(), lang)
    report["changes"] = compare_reports(report, copy.deepcopy(report))
    text = synthetic.page_text(synthetic.render(report, lang))
    assert HEADING[index] not in text
    assert f"{SAME_AS[index]} {report['environment']['generated_at']}" in text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_with_no_previous_report_there_is_neither_section_nor_appendix_line(lang):
    index = {"en": 0, "es": 1}[lang]
    report = _report(Scenario(), lang)
    report["changes"] = None
    text = synthetic.page_text(synthetic.render(report, lang))
    assert HEADING[index] not in text and SAME_AS[index] not in text


def test_an_older_previous_report_is_compared_with_a_note_of_what_could_not_be():
    old, new = _report(Scenario(), "en"), _report(Scenario(baseline=(40, 38, 36)), "en")
    for key in ("schema_version", "claims", "project"):
        del old[key]
    del old["environment"]["code_digest"]
    new["changes"] = compare_reports(old, new)
    text = synthetic.page_text(synthetic.render(new, "en"))
    assert "The previous report was written by an older cnn-report: the notes, the program's version could not" in text


def test_every_alternative_is_exercised():
    chosen = {(claim, case.expect[claim]) for case in CASES for claim in CLAIMS}
    assert not [
        (claim, name) for claim, alternatives in CLAIMS.items() for name in alternatives if (claim, name) not in chosen
    ]
