"""The ``cnn-report`` command line: options in, a :class:`BuildConfig` out, then the build.

This is the one place where cnn-report's own errors become click errors, so
users see ``Error: <what and how to fix it>`` and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

from pathlib import Path

import click

from analysis.data import DATA_ENV_VAR
from analysis.errors import ReportError
from analysis.experiments import DEFAULT_KERNEL_SIZES, SUPPORTED_KERNEL_SIZES
from report.build import build as run_build
from report.config import BuildConfig, default_cache_dir


def _parse_kernel_sizes(context: click.Context, parameter: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in value.split(",") if part.strip()}))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of integers, e.g. 3,5,7") from None
    unknown = [size for size in sizes if size not in SUPPORTED_KERNEL_SIZES]
    if not sizes or unknown:
        raise click.BadParameter(
            f"unsupported kernel size(s) {', '.join(map(str, unknown)) or '(none given)'}; "
            f"choose from {', '.join(map(str, SUPPORTED_KERNEL_SIZES))}"
        )
    return sizes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnn-report")
def main() -> None:
    """Measure why convolutional networks beat fully-connected ones on MNIST.

    Run `cnn-report build` to train the models and write the report as PDF,
    HTML and JSON.
    """


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("report.pdf"), show_default=True,
              help="The PDF to write; the .html and .json of the same name are written beside it.")
@click.option("--data", type=click.Path(path_type=Path), default=None,
              help=f"mnist.npz, or a folder with it or the four IDX files. Default: ${DATA_ENV_VAR}, "
                   "then data/mnist.npz, then ~/.keras/datasets/mnist.npz, then Keras's download.")
@click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True, help="Training epochs per model.")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True, help="Training batch size.")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed for weights and shuffling.")
@click.option("--limit-train", type=click.IntRange(min=20), default=None,
              help="Use only the first N training images (the last 10% of them for validation); for quick runs.")
@click.option("--kernel-sizes", default=",".join(map(str, DEFAULT_KERNEL_SIZES)), show_default=True,
              callback=_parse_kernel_sizes, help="Kernel sizes compared in the kernel-size experiment.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=f"Where finished results are kept. Default: {default_cache_dir()}.")
@click.option("--force", is_flag=True, help="Retrain everything, ignoring (and refreshing) the cache.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def build(out: Path, data: Path | None, epochs: int, batch_size: int, seed: int, limit_train: int | None,
          kernel_sizes: tuple[int, ...], cache_dir: Path | None, force: bool, quiet: bool) -> None:
    """Train the models, measure them, and write the report (PDF, HTML, JSON)."""
    config = BuildConfig(
        out=out,
        data=data,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        limit_train=limit_train,
        kernel_sizes=kernel_sizes,
        cache_dir=cache_dir,
        force=force,
        quiet=quiet,
    )
    echo = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
    try:
        outputs = run_build(config, echo=echo)
    except ReportError as error:
        raise click.ClickException(str(error)) from None
    echo(f"Wrote {outputs.pdf}, {outputs.html} and {outputs.json}")
