"""The notebook as written: valid for today's Jupyter, papermill's parameters cell, plain code, both languages; and
networks that start from the report's very weights (their Keras code run beside analysis/models.py's)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

from analysis.errors import OutputError
from report.config import resolve_config
from report.notebook import check_notebook_path
from report.notebook.document import make_notebook
from report.project import load_project

from mnist_files import write_idx_folder, write_npz
from networks import CUSTOM_CNN_LAYERS, GOOD_BUILDER, toml_layer, write_builder


def student_config(folder: Path, builder: bool = False, lang: str = "en"):
    """A student's design: 'same' padding, batch normalisation, dropout, and a pooling experiment (or a builder)."""
    if builder:
        write_builder(folder, GOOD_BUILDER)
        models = '[models.cnn]\nbuilder = "my_net.py:make_model"\n[experiment]\nvary = "kernel"\nvalues = [3, 5]\n'
    else:
        layers = ",\n  ".join(toml_layer(layer) for layer in CUSTOM_CNN_LAYERS)
        models = f'[models.cnn]\nlayers = [\n  {layers},\n]\n[experiment]\nvary = "pooling"\nvalues = ["max", "avg"]\n'
    (folder / "cnn-report.toml").write_text(f'[report]\ntitle = "My CNN"\nauthors = ["Ada"]\n{models}')
    return resolve_config({"epochs": 2, "seeds": 2, "lang": lang}, project=load_project(folder / "cnn-report.toml"))


def _code_cells(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("design", ["default", "student", "builder"])
def test_the_notebook_is_valid_nbformat_4_5_with_a_parameters_cell_and_plain_code(tmp_path, design):
    config = resolve_config({}) if design == "default" else student_config(tmp_path, builder=design == "builder")
    notebook = make_notebook(config, "mnist.npz")
    nbformat.validate(notebook)
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)
    assert notebook.metadata.kernelspec.name == "python3"
    ids = [cell.id for cell in notebook.cells]
    assert len(set(ids)) == len(ids) and all(ids)
    parameters = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert parameters.metadata.tags == ["parameters"]
    assert "EPOCHS = " in parameters.source and "DATA_PATH = 'mnist.npz'" in parameters.source
    for source in _code_cells(notebook):
        compile(source, "<cell>", "exec")  # every cell is Python
        assert "cnn-report" not in source and "from analysis" not in source and "from report" not in source
    # Written back and read, it is the same notebook.
    assert nbformat.reads(nbformat.writes(notebook), as_version=4) == notebook


def test_the_title_cell_is_the_students_and_the_spanish_edition_explains_in_spanish(tmp_path):
    notebook = make_notebook(student_config(tmp_path, lang="es"), "mnist.npz")
    assert notebook.cells[0].source.startswith("# My CNN\n\nAda")
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "## Parámetros" in text and "## Parameters" not in text
    code = "\n".join(_code_cells(notebook))
    # Comments in Spanish, identifiers in English.
    assert "# Un hilo de CPU por modelo" in code and "def train_and_evaluate(build, seed):" in code
    # The project's notes stay in the report, and the notebook says why.
    assert "Tus notas están en el informe, no aquí" not in text  # this project has no notes


def test_the_builder_file_is_included_and_called_with_each_variants_arguments(tmp_path):
    code = "\n".join(_code_cells(make_notebook(student_config(tmp_path, builder=True), "mnist.npz")))
    assert "def make_model(kernel=3, width=1.0):" in code
    # The main CNN is the function as written (its own default); each other value is an argument.
    assert "'cnn_k3': lambda: make_model()," in code and "'cnn_k5': lambda: make_model(kernel=5)," in code


def test_the_notebook_must_be_an_ipynb_in_an_existing_folder(tmp_path):
    with pytest.raises(OutputError, match="must name a .ipynb file"):
        check_notebook_path(tmp_path / "analysis.pdf")
    with pytest.raises(OutputError, match="does not exist"):
        check_notebook_path(tmp_path / "missing" / "analysis.ipynb")


@pytest.mark.parametrize("design", ["default", "student", "builder"])
def test_each_network_starts_from_the_weights_the_report_trains_from(tmp_path, design):
    """The notebook's Keras code and analysis/models.py, each after the same seed: the same weights, bit for bit."""
    import keras

    from analysis.models import build_keras_model

    config = resolve_config({}) if design == "default" else student_config(tmp_path, builder=design == "builder")
    networks_cell = next(source for source in _code_cells(make_notebook(config, "mnist.npz")) if "MODELS = {" in source)
    namespace: dict = {"keras": keras, "layers": keras.layers}
    exec(networks_cell, namespace)
    for name, network in config.design.networks().items():
        keras.utils.set_random_seed(42)
        ours = namespace["MODELS"][name]()
        keras.utils.set_random_seed(42)
        theirs = build_keras_model(network, name)
        assert ours.count_params() == theirs.count_params()
        for mine, report in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_array_equal(mine, report)


def test_papermill_sets_the_parameters(tmp_path):
    """papermill injects its values after the cell tagged parameters; run in order, those values win."""
    import papermill

    source, prepared = tmp_path / "analysis.ipynb", tmp_path / "quick.ipynb"
    nbformat.write(make_notebook(resolve_config({}), "mnist.npz"), source)
    papermill.execute_notebook(
        str(source), str(prepared), parameters={"EPOCHS": 1, "SEEDS": [7]}, prepare_only=True, kernel_name="python3"
    )
    cells = [cell for cell in nbformat.read(prepared, as_version=4).cells if cell.cell_type == "code"]
    assert "injected-parameters" in cells[1].metadata.tags
    namespace: dict = {}
    for cell in cells[:2]:
        exec(cell.source, namespace)
    assert (namespace["EPOCHS"], namespace["SEEDS"], namespace["BATCH_SIZE"]) == (1, [7], 32)


@pytest.mark.parametrize("source", ["npz", "idx", "idx.gz"])
def test_the_notebook_reads_mnist_as_the_build_does(tmp_path, source):
    """Its own loader, run on mnist.npz and on a folder of IDX files (gzipped or not), gives the build's arrays."""
    from analysis.data import load_dataset

    if source == "npz":
        path = write_npz(tmp_path / "mnist.npz")
    else:
        path = write_idx_folder(tmp_path / "idx", compressed=source == "idx.gz")
    loader = next(
        cell for cell in _code_cells(make_notebook(resolve_config({}), str(path))) if "def load_mnist" in cell
    )
    namespace: dict = {"DATA_PATH": str(path), "np": np, "Path": Path, "gzip": __import__("gzip")}
    exec(loader, namespace)
    expected = load_dataset(path)
    for name in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(namespace[name], getattr(expected, name))
