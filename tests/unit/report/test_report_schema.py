"""docs/report.schema.json, the public description of report.json: a valid JSON Schema that every summary the code
makes satisfies, that rejects a broken one, and a report.json that names no folder of the machine that built it.

tests/conftest.py validates every report.json a build of the suite writes (the whole builds' too) against it.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from analysis.data import load_dataset
from analysis.eda import describe_dataset
from report.changes import compare_reports
from report.config import resolve_config
from report.history import extended
from report.project import load_project
from report.summary import summarize_plan
from report.summary.claims import CLAIM_TEXT
from report.summary.document import SCHEMA_VERSION

import synthetic
from student_project import write_project
from synthetic import Scenario

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "report.schema.json"
ONE_SEED = synthetic.ONE_SEED
# An absolute path on any system: POSIX, a Windows drive, a UNC share, a home folder by its tilde.
ABSOLUTE = re.compile(r"^(/|~|[A-Za-z]:[\\/]|\\\\)")


def load_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def problems(report: dict) -> list[str]:
    """What the schema finds wrong with ``report``, as written to and read back from report.json."""
    validator = Draft202012Validator(load_schema())
    document = json.loads(json.dumps(report))
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def strings(value: object) -> list[str]:
    """Every string of a JSON document, keys included."""
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (str(key), *strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def absolute_paths(report: dict, *folders: Path) -> list[str]:
    """The strings of ``report`` that are, start with or hold an absolute path or one of ``folders``."""
    found = []
    for text in strings(report):
        words = re.split(r"[\s=,;:'\"()\[\]]+", text)
        if any(ABSOLUTE.match(word) for word in [text, *words]) or any(str(folder) in text for folder in folders):
            found.append(text)
    return found


@pytest.fixture
def plan(tmp_path) -> dict:
    """report.json as a build of a student's project in ``tmp_path`` would write it, stand-in numbers and all."""
    project = load_project(write_project(tmp_path / "assignment"))
    config = resolve_config({}, project=project)
    dataset = load_dataset(config.data)
    report = summarize_plan(
        dataset,
        describe_dataset(dataset),
        config.training,
        config.design,
        config.seed_list,
        config.lang,
        config.as_command_line(shareable=True),
        {"data": 0.1, "eda": 0.1},
    )
    # The build hands summarize() the project's record; the plan of the notes' check leaves it out.
    return report | {"project": project.record()}


def test_the_schema_is_a_valid_draft_2020_12_schema_of_this_version():
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    # Every claim the code decides is described by name.
    assert set(schema["properties"]["claims"]["properties"]) == set(CLAIM_TEXT)


@pytest.mark.parametrize(
    "built",
    [
        pytest.param(lambda: synthetic.build(Scenario()), id="three seeds"),
        pytest.param(lambda: synthetic.build(ONE_SEED), id="one seed"),
        pytest.param(lambda: synthetic.build(Scenario()).with_builder_cnn(), id="builder cnn"),
        pytest.param(
            lambda: synthetic.build(
                Scenario(vary="pooling", kernels={"max": (12, 10, 8), "avg": (14, 12, 10), "none": (16, 14, 12)})
            ),
            id="pooling experiment",
        ),
        pytest.param(
            lambda: synthetic.build(Scenario(vary="width", kernels={0.5: (20, 18, 16), 1: (12, 10, 8)})),
            id="width experiment",
        ),
    ],
)
def test_every_summary_satisfies_the_schema(built):
    report = built().summary("en")
    assert report["schema_version"] == SCHEMA_VERSION
    assert problems(report) == []


def test_a_one_seed_summary_has_undecided_claims_and_no_spreads_and_satisfies_the_schema():
    report = synthetic.build(ONE_SEED).summary("es")
    assert report["models"]["baseline"]["test_accuracy_std"] is None
    assert report["claims"]["cnn_beats_baseline_beyond_spread"]["holds"] is None
    assert problems(report) == []


def test_a_projects_report_with_changes_and_history_satisfies_the_schema(plan):
    assert plan["project"]["notes"] and problems(plan) == []
    before = copy.deepcopy(plan)
    before["models"]["baseline"]["test_accuracy"] -= 0.01
    report = plan | {"changes": compare_reports(before, plan), "history": extended([], plan)}
    assert report["changes"]["metrics"] and len(report["history"]) == 1
    assert problems(report) == []
    # Both blocks are optional, and null where there is nothing to say.
    assert problems(plan | {"changes": None}) == []


def without(report: dict, key: str) -> dict:
    return {name: value for name, value in report.items() if name != key}


def claim_saying(report: dict, holds: object) -> dict:
    claims = report["claims"] | {"cnn_beats_baseline": report["claims"]["cnn_beats_baseline"] | {"holds": holds}}
    return report | {"claims": claims}


def model_with(report: dict, **changes) -> dict:
    return report | {"models": report["models"] | {"baseline": report["models"]["baseline"] | changes}}


def machine_with(report: dict, **changes) -> dict:
    environment = report["environment"]
    return report | {"environment": environment | {"machine": environment["machine"] | changes}}


@pytest.mark.parametrize(
    "break_it, where",
    [
        pytest.param(lambda report: without(report, "models"), "'models' is a required property", id="no models"),
        pytest.param(lambda report: without(report, "claims"), "'claims' is a required property", id="no claims"),
        pytest.param(lambda report: report | {"schema_version": 2}, "schema_version", id="schema version 2"),
        pytest.param(lambda report: claim_saying(report, "yes"), "claims/cnn_beats_baseline/holds", id="holds yes"),
        pytest.param(
            lambda report: report | {"claims": report["claims"] | {"new_claim": {"model": "cnn_k3"}}},
            "claims/new_claim: 'holds' is a required property",
            id="unknown claim without holds",
        ),
        pytest.param(
            lambda report: model_with(report, test_accuracy=97.0), "models/baseline/test_accuracy", id="percent"
        ),
        pytest.param(
            lambda report: model_with(report, test_accuracy_std="0.2"),
            "models/baseline/test_accuracy_std",
            id="std as text",
        ),
        pytest.param(lambda report: model_with(report, per_seed=[]), "models/baseline/per_seed", id="no seeds"),
        pytest.param(
            lambda report: report | {"comparison": report["comparison"] | {"cnn_better": 1}},
            "comparison/cnn_better",
            id="comparison not boolean",
        ),
        pytest.param(
            lambda report: report | {"experiment": report["experiment"] | {"variants": []}},
            "experiment/variants",
            id="no variants",
        ),
        pytest.param(
            lambda report: report | {"dataset": report["dataset"] | {"file": "/home/ada/mnist.npz"}},
            "dataset/file",
            id="data folder",
        ),
        pytest.param(
            lambda report: machine_with(report, python_executable="/home/ada/.venv/bin/python"),
            "environment/machine/python_executable",
            id="python executable",
        ),
        pytest.param(lambda report: report | {"project": "notes"}, "project", id="project not digests"),
    ],
)
def test_the_schema_rejects_a_broken_report(break_it, where):
    report = synthetic.build(Scenario()).summary("en")
    found = problems(break_it(report))
    assert found and any(where in problem for problem in found), found


def test_a_projects_report_names_no_folder_of_the_machine(plan, tmp_path):
    assert absolute_paths(plan, Path.home(), tmp_path) == []
    # The check finds what it is for.
    named = plan | {"environment": plan["environment"] | {"command_line": f"cnn-report build --out {tmp_path}/r.pdf"}}
    assert absolute_paths(named, Path.home(), tmp_path) == [named["environment"]["command_line"]]
    assert absolute_paths({"file": "C:\\Users\\ada\\mnist.npz"}) == ["C:\\Users\\ada\\mnist.npz"]


def test_a_summary_names_no_folder_of_the_machine():
    report = synthetic.build(Scenario()).with_builder_cnn().summary("en")
    assert absolute_paths(report, Path.home()) == []
