"""report.json as a whole: :func:`summarize` puts every block together, with the build's settings and environment."""

from __future__ import annotations

import datetime as _datetime

from analysis.cache import make_key
from analysis.data import Dataset
from analysis.eda import EdaResults
from analysis.environment import describe_machine, library_versions, onednn_setting, training_threads
from analysis.fits import TrainingSettings
from analysis.plan import TrainedModels
from analysis.probes import ProbeResults
from report.source import source_digest
from report.summary.claims import claims_of
from report.summary.comparison import compare
from report.summary.dataset import summarize_dataset
from report.summary.experiment import summarize_experiment
from report.summary.models import summarize_model
from report.summary.networks import summarize_networks
from report.summary.probes import summarize_probes

# report.json's layout, for its readers (docs/report.schema.json describes it). Raise it when a key changes
# meaning or goes away; adding keys keeps it. `cnn-report compare` refuses versions newer than this.
SCHEMA_VERSION = 1


def summarize(
    dataset: Dataset,
    eda: EdaResults,
    trained: TrainedModels,
    probes: ProbeResults,
    settings: TrainingSettings,
    lang: str,
    command_line: str,
    stage_seconds: dict[str, float],
    jobs: int = 1,
    project: dict | None = None,
) -> dict:
    """Collect the numbers of one build into the structure of report.json; ``jobs`` fits were trained at once.

    ``project`` is the project file's record (:meth:`report.project.Project.record`): digests, never text.
    """
    networks = trained.design.networks()
    models = {name: summarize_model(fits, dataset.y_test, networks[name]) for name, fits in trained.models.items()}
    report = {
        "schema_version": SCHEMA_VERSION,
        "dataset": summarize_dataset(dataset, eda),
        "models": models,
        "networks": summarize_networks(trained, models),
        "comparison": compare(trained, models, dataset, settings),
        "experiment": summarize_experiment(trained, models),
        "probes": summarize_probes(trained, probes, models, dataset.x_train.shape[1] * dataset.x_train.shape[2]),
        "settings": summarize_settings(trained, settings, dataset, lang),
        "environment": summarize_environment(command_line, stage_seconds, jobs),
        "project": project,
    }
    # The conclusions the wording rests on, decided from the blocks above.
    report["claims"] = claims_of(report)
    return report


def summarize_settings(trained: TrainedModels, settings: TrainingSettings, dataset: Dataset, lang: str) -> dict:
    """The training protocol, the seeds, the language, and how many training images were fitted and held out."""
    experiment = trained.design.experiment
    return {
        **settings.to_dict(),
        "seeds": list(trained.seeds),
        "lang": lang,
        "kernel_sizes": list(experiment.values) if experiment.vary == "kernel" else None,
        "n_fit": settings.images_fitted(dataset.n_train),
        "n_validation": settings.images_used(dataset.n_train) - settings.images_fitted(dataset.n_train),
        # Every model is fitted once per seed: with several, the text quotes means and spreads.
        "several_seeds": len(trained.seeds) > 1,
        # The networks and the experiment, as one digest: whether two reports trained the same design.
        "design_digest": make_key(trained.design.fingerprint()),
    }


def summarize_environment(command_line: str, stage_seconds: dict[str, float], jobs: int) -> dict:
    """How the build was run and on what: what the numbers depend on besides the data."""
    versions = library_versions()
    return {
        "command_line": command_line,
        "generated_at": _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": versions,
        "machine": describe_machine(),
        "tensorflow_onednn": onednn_setting(),
        # Each fit's threads; with the instruction set (machine), what the numbers depend on besides the data.
        "training_threads": training_threads(),
        "jobs": jobs,
        "stage_seconds": dict(stage_seconds),
        # The libraries in alphabetical order, as the appendix lists them (their names are all lower case).
        "versions_sorted": [[name, version] for name, version in sorted(versions.items())],
        # The program's code and templates: whether two reports were made by the same cnn-report.
        "code_digest": source_digest(),
    }
