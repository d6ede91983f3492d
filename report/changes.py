"""What changed between two reports: metrics beyond seed noise or within it, conclusions that flipped, and why.

Everything here reads two report.json documents and nothing else: a build
compares itself with the report it replaces, ``cnn-report compare`` any two.
A metric's change is *beyond seed noise* by the rule the report uses for every
"beyond the spread": the two means differ by more than the sum of their
seed-to-seed standard deviations (report/summary/spread.py). With one seed
there is no spread, and the change cannot be judged.

Reports written before ``schema_version`` existed are compared as far as their
fields allow; what could not be compared is listed under ``not_compared``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from analysis.errors import ProjectError
from report.summary.claims import claims_of
from report.summary.document import SCHEMA_VERSION
from report.summary.spread import differs_beyond_spread

# The metrics compared for every model both reports have, with their spread's key.
METRICS = ("test_accuracy", "test_loss")
# Settings that follow from others (a digest, a flag for the wording), not set by anyone.
_DERIVED_SETTINGS = {"several_seeds", "design_digest", "n_fit", "n_validation"}
# What the numbers depend on besides the data and the settings; each an (id, path in report.json's environment).
_ENVIRONMENT = (
    ("python", ("versions", "python")),
    ("instruction_set", ("machine", "instruction_set")),
    ("training_threads", ("training_threads",)),
    ("tensorflow_onednn", ("tensorflow_onednn",)),
    ("instance_type", ("machine", "instance_type")),
)
# Keys of report.json whose values differ between two builds of the very same report.
_TIMED = re.compile(r"seconds|cached|slowest|fastest|time_ratio|generated_at|^jobs$")


class ReportFileError(ProjectError):
    """A report.json to compare with cannot be read, or is not cnn-report's."""


def read_report(path: Path) -> dict:
    """The report.json at ``path`` (the file, or a folder holding one), checked to be one cnn-report can compare."""
    file = path / "report.json" if path.is_dir() else path
    try:
        report = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportFileError(f"{file}: no report.json there; pass a report.json or the folder holding one") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise ReportFileError(
            f"{file}: cannot read it as JSON ({reason}); pass a report.json cnn-report wrote"
        ) from None
    check_report(report, file)
    return report


def check_report(report: object, origin: Path | str) -> None:
    """A ReportFileError unless ``report`` is a cnn-report report.json of a schema this version reads."""
    if not (
        isinstance(report, dict)
        and isinstance(report.get("models"), dict)
        and isinstance(report.get("environment"), dict)
        and isinstance(report.get("settings"), dict)
    ):
        raise ReportFileError(
            f"{origin}: not a report.json written by cnn-report (no models, settings and environment)"
        )
    version = report.get("schema_version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION):
        raise ReportFileError(
            f"{origin}: report schema version {version!r} is newer than this cnn-report reads ({SCHEMA_VERSION}); "
            "upgrade cnn-report to compare it"
        )


def comparable_digest(report: dict) -> str:
    """A digest of what two builds of the same report share: everything but times, the comparison and the history.

    Times are measured, not computed (and so is which model was slowest): a
    rebuild from the cache gives the same digest.
    """
    content = {key: value for key, value in report.items() if key not in {"changes", "history"}}
    # As report.json holds it (integer keys become text), so that a summary and its file give the same digest.
    content = json.loads(json.dumps(content, default=str))
    text = json.dumps(_without_times(content), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _without_times(value: object) -> object:
    if isinstance(value, dict):
        return {key: _without_times(item) for key, item in value.items() if not _TIMED.search(key)}
    if isinstance(value, list):
        return [_without_times(item) for item in value]
    return value


def compare_reports(old: dict, new: dict) -> dict:
    """Everything that differs from ``old`` to ``new``, as the "changes" block of report.json."""
    not_compared: list[str] = []
    metrics, unchanged = _metrics(old, new)
    flips, claims_unchecked = _flips(old, new)
    if claims_unchecked:
        not_compared.append("claims")
    settings = _differences(_settings(old), _settings(new))
    design_changed = _design_changed(old, new, not_compared)
    project = _project_changes(old, new, not_compared)
    environment = _environment(old, new, not_compared)
    code_changed = _code(old) != _code(new) if _code(old) and _code(new) else None
    if code_changed is None:
        not_compared.append("code")
    old_models, new_models = set(old["models"]), set(new["models"])
    numbers_moved = bool(metrics)
    causes = settings or design_changed or environment or code_changed or old_models != new_models
    judged = [metric["beyond_noise"] for metric in metrics]
    return {
        "previous": {
            "generated_at": old["environment"].get("generated_at"),
            "code": _code(old),
            "settings_digest": settings_digest(old),
            "schema_version": old.get("schema_version"),
        },
        "metrics": metrics,
        "metrics_unchanged": unchanged,
        "beyond_noise": any(judged),
        "within_noise": sum(1 for beyond in judged if beyond is False),
        "unjudged": sum(1 for beyond in judged if beyond is None),
        "models_added": sorted(new_models - old_models),
        "models_removed": sorted(old_models - new_models),
        "flips": flips,
        "settings": settings,
        "design_changed": design_changed,
        "notes_changed": project["notes"],
        "title_page_changed": project["title_page"],
        "environment": environment,
        "code_changed": code_changed,
        # Numbers that moved with nothing to explain it: the same data, settings, design, code and environment
        # must give the same numbers, so this is a failure to reproduce.
        "numbers_moved_alone": numbers_moved and not causes and code_changed is False,
        # Only what was compared can be said unchanged: against an older report, the section says what was not.
        "nothing_changed": not (
            numbers_moved
            or causes
            or flips
            or project["notes"]
            or project["title_page"]
            or code_changed
            or not_compared
        ),
        # What the previous report (an older cnn-report's) lacks: "claims", "design", "notes", "data", "code".
        "not_compared": not_compared,
        "claims_not_compared": claims_unchecked,
    }


def _metrics(old: dict, new: dict) -> tuple[list[dict], int]:
    changed, unchanged = [], 0
    for name in [model for model in new["models"] if model in old["models"]]:
        before, after = old["models"][name], new["models"][name]
        for metric in METRICS:
            if metric not in before or metric not in after:
                continue
            if before[metric] == after[metric]:
                unchanged += 1
                continue
            old_std, new_std = before.get(f"{metric}_std"), after.get(f"{metric}_std")
            changed.append(
                {
                    "model": name,
                    "metric": metric,
                    "old": before[metric],
                    "old_std": old_std,
                    "new": after[metric],
                    "new_std": new_std,
                    "change": after[metric] - before[metric],
                    # An accuracy's change as the report states it, in percentage points.
                    "change_pp": 100 * (after[metric] - before[metric]) if metric == "test_accuracy" else None,
                    "beyond_noise": differs_beyond_spread(before[metric], old_std, after[metric], new_std),
                }
            )
    return changed, unchanged


def _flips(old: dict, new: dict) -> tuple[list[dict], list[str]]:
    """The claims whose verdict (or, for the best model, whose model) differs; and those only one report decides."""
    before, after = old.get("claims") or claims_of(old), new.get("claims") or claims_of(new)
    flips, unchecked = [], []
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            unchecked.append(name)
            continue
        was, now = before[name], after[name]
        if was["holds"] is None or now["holds"] is None:
            continue  # one seed: neither verdict is a conclusion
        if was["holds"] != now["holds"] or (was.get("model") != now.get("model") and (was["holds"] or now["holds"])):
            flips.append(
                {
                    "claim": name,
                    "old": was["holds"],
                    "new": now["holds"],
                    "old_model": was.get("model"),
                    "new_model": now.get("model"),
                }
            )
    return flips, unchecked


def _settings(report: dict) -> dict:
    return {key: value for key, value in report["settings"].items() if key not in _DERIVED_SETTINGS}


def _differences(old: dict, new: dict) -> list[dict]:
    return [
        {"name": key, "old": old.get(key), "new": new.get(key)}
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def _design_changed(old: dict, new: dict, not_compared: list[str]) -> bool | None:
    digests = old["settings"].get("design_digest"), new["settings"].get("design_digest")
    if None in digests:
        not_compared.append("design")
        return None
    return digests[0] != digests[1]


def _project_changes(old: dict, new: dict, not_compared: list[str]) -> dict:
    if "project" not in old or "project" not in new:
        not_compared.append("notes")
        return {"notes": [], "title_page": False}
    before, after = (
        old["project"] or {"notes": {}, "title_page": None},
        new["project"] or {"notes": {}, "title_page": None},
    )
    notes = sorted(
        section
        for section in set(before["notes"]) | set(after["notes"])
        if before["notes"].get(section) != after["notes"].get(section)
    )
    return {"notes": notes, "title_page": before["title_page"] != after["title_page"]}


def _environment(old: dict, new: dict, not_compared: list[str]) -> list[dict]:
    changes = []
    for name, path in _ENVIRONMENT:
        values = [_at(report["environment"], path) for report in (old, new)]
        if values[0] != values[1]:
            changes.append({"name": name, "old": values[0], "new": values[1]})
    libraries = [report["environment"].get("versions", {}) for report in (old, new)]
    for library in sorted((set(libraries[0]) | set(libraries[1])) - {"python"}):
        if libraries[0].get(library) != libraries[1].get(library):
            changes.append({"name": library, "old": libraries[0].get(library), "new": libraries[1].get(library)})
    data = [report.get("dataset", {}).get("sha256") for report in (old, new)]
    if None in data:
        not_compared.append("data")
    elif data[0] != data[1]:
        changes.append({"name": "data_sha256", "old": data[0], "new": data[1]})
    return changes


def _at(mapping: dict, path: tuple[str, ...]) -> object:
    for key in path:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def _code(report: dict) -> str | None:
    return report["environment"].get("code_digest")


def settings_digest(report: dict) -> str:
    """A short digest of a report's settings and design, to name which settings a report was built with."""
    text = json.dumps(
        {"settings": _settings(report), "design": report["settings"].get("design_digest")}, sort_keys=True
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
