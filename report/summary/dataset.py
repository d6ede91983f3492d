"""report.json's "dataset": which data, its EDA, and how balanced its classes are."""

from __future__ import annotations

from collections.abc import Mapping

from analysis.data import Dataset
from analysis.eda import EdaResults

# Classes count as "close to balanced" while the commonest digit has fewer than this many times the rarest's images.
BALANCE_RATIO = 1.5


def summarize_dataset(dataset: Dataset, eda: EdaResults) -> dict:
    """The data file, its EDA, and the rarest and commonest training digits with their shares of the training set."""
    counts = eda.class_counts_train
    return {
        # The file's name and sha256 identify the data; its folder would print a student's home folder
        # in every report they hand in (the terminal shows the full path at build time).
        "file": dataset.path.name,
        "format": dataset.format,
        "sha256": dataset.sha256,
        **eda.to_dict(),
        "classes_balanced": classes_balanced(counts),
        "rarest": _digit(rarest_digit(counts), counts, eda.n_train),
        "commonest": _digit(commonest_digit(counts), counts, eda.n_train),
    }


def classes_balanced(class_counts: Mapping) -> bool:
    """Whether the commonest class has fewer than :data:`BALANCE_RATIO` times the images of the rarest."""
    return max(class_counts.values()) < BALANCE_RATIO * min(class_counts.values())


def rarest_digit(class_counts: Mapping[int, int]) -> int:
    """The digit with the fewest images; of digits that tie, the smallest."""
    return min(class_counts, key=lambda digit: (class_counts[digit], digit))


def commonest_digit(class_counts: Mapping[int, int]) -> int:
    """The digit with the most images; of digits that tie, the largest, so that a tie never names one digit both."""
    return max(class_counts, key=lambda digit: (class_counts[digit], digit))


def _digit(digit: int, class_counts: Mapping[int, int], n_train: int) -> dict:
    return {"digit": int(digit), "count": int(class_counts[digit]), "share": class_counts[digit] / n_train}
