"""The names readers see: every model named from the table of variables and the summary, in both languages."""

from __future__ import annotations

import pytest

from analysis.errors import RenderError
from report.i18n import number_format, translator
from report.labels import ModelNames

import synthetic
from synthetic import Scenario


@pytest.mark.parametrize(
    ("key", "english", "spanish"),
    [
        ("baseline", "baseline", "modelo\u00a0base"),
        ("cnn_k3", "CNN\u00a03×3", "CNN\u00a03×3"),
        ("cnn_k7", "CNN\u00a07×7", "CNN\u00a07×7"),
    ],
)
def test_models_have_one_display_name_per_language(key, english, spanish):
    assert model_names(Scenario(), "en")(key) == english
    assert model_names(Scenario(), "es")(key) == spanish


@pytest.mark.parametrize(
    ("scenario", "key", "english", "spanish"),
    [
        (
            Scenario(vary="width", kernels={0.5: (20, 18, 16), 1: (12, 10, 8)}),
            "cnn_width_0_5",
            "CNN (width ×0.5)",
            "CNN (anchura ×0,5)",
        ),
        (
            Scenario(vary="pooling", kernels={"max": (12, 10, 8), "avg": (14, 12, 10), "none": (16, 14, 12)}),
            "cnn_pooling_avg",
            "CNN (average pooling)",
            "CNN (pooling promedio)",
        ),
        (
            Scenario(vary="pooling", kernels={"max": (12, 10, 8), "none": (16, 14, 12)}),
            "cnn_pooling_none",
            "CNN (no pooling)",
            "CNN (sin pooling)",
        ),
        (
            Scenario(vary="padding", kernels={"valid": (12, 10, 8), "same": (11, 9, 7)}),
            "cnn_padding_same",
            "CNN ('same' padding)",
            "CNN (relleno 'same')",
        ),
        (
            Scenario(vary="activation", kernels={"relu": (12, 10, 8), "tanh": (16, 14, 12)}),
            "cnn_activation_tanh",
            "CNN (tanh)",
            "CNN (tanh)",
        ),
        # The main CNN's own kernel size left out of the experiment: still named by its value, read from the summary.
        (Scenario(values=(5, 7)), "cnn_k3", "CNN\u00a03×3", "CNN\u00a03×3"),
    ],
)
def test_every_variable_names_its_models_from_the_table_of_variables(scenario, key, english, spanish):
    assert model_names(scenario, "en")(key) == english
    assert model_names(scenario, "es")(key) == spanish


def test_a_main_cnn_with_no_one_value_is_plain_cnn():
    """Its layers share no one value of the variable (two kernel sizes): it is no variant, and named "CNN"."""
    experiment = {"vary": "kernel", "main": "cnn", "main_value": None, "variants": [{"name": "cnn_k5", "value": 5}]}
    names = ModelNames(experiment, translator("es"), number_format("es"))
    assert (names("cnn"), names("cnn_k5"), names("baseline")) == ("CNN", "CNN\u00a05×5", "modelo\u00a0base")


def test_an_unknown_model_has_no_display_name():
    with pytest.raises(RenderError, match="no name for the model 'mlp_wide'"):
        model_names(Scenario(), "en")("mlp_wide")


def model_names(scenario: Scenario, lang: str) -> ModelNames:
    """The names of ``scenario``'s models in ``lang``, from its summary's experiment block, as the report names them."""
    return ModelNames(synthetic.build(scenario).summary(lang)["experiment"], translator(lang), number_format(lang))
