"""The notebook's code cells, as Python source: plain numpy, Keras and matplotlib, no import of cnn-report.

Each function returns one cell's source. The training code is the build's own
protocol written out (analysis/training.py): the same seeding, the same
pipeline, the same compile options, the same evaluation, so that on the same
machine and thread count the notebook's numbers equal the report's to the
last digit. ``tests/unit/report/notebook/`` builds each network both ways and
compares their initial weights; ``tests/system/test_notebook.py`` runs it.
Comments go through the translator (``_``): the Spanish edition comments in
Spanish, its identifiers stay English.
"""

from __future__ import annotations

from pathlib import Path

from analysis.design import Design
from analysis.layers import Network
from analysis.shapes import layer_names
from report.i18n import Translate


def parameters(data: str, epochs: int, batch_size: int, seeds: tuple[int, ...], limit_train: int | None) -> str:
    """The cell tagged ``parameters`` (papermill replaces it): what a reader may change."""
    return "\n".join(
        [
            f"DATA_PATH = {data!r}",
            f"EPOCHS = {epochs}",
            f"BATCH_SIZE = {batch_size}",
            f"SEEDS = {list(seeds)!r}",
            f"LIMIT_TRAIN = {limit_train!r}",
        ]
    )


def setup(_: Translate) -> str:
    return f"""# {_("One CPU thread per model and oneDNN's kernels, set before TensorFlow starts: the report's own settings.")}
import os

os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import gc
import gzip
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import layers

tf.get_logger().setLevel("ERROR")  # retracing notices: every model is a new one, as expected
print("TensorFlow", tf.__version__, "| Keras", keras.__version__)"""


def load_data(_: Translate) -> str:
    return f'''def read_idx(path):
    """{_("One IDX file (optionally gzipped): MNIST's original format.")}"""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    dimensions = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dimensions)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def load_mnist(path):
    """{_("MNIST from mnist.npz (Keras's format) or a folder of the four IDX files: no internet needed.")}"""
    path = Path(path)
    if path.is_dir() and (path / "mnist.npz").is_file():
        path = path / "mnist.npz"
    if path.is_file():
        with np.load(path) as data:
            return data["x_train"], data["y_train"], data["x_test"], data["y_test"]
    files = {{}}
    for name in ("train-images", "train-labels", "t10k-images", "t10k-labels"):
        files[name] = read_idx(next(p for p in sorted(path.iterdir()) if p.name.startswith(name)))
    return files["train-images"], files["train-labels"], files["t10k-images"], files["t10k-labels"]


x_train, y_train, x_test, y_test = load_mnist(DATA_PATH)
print(f"train {{x_train.shape}}, test {{x_test.shape}}")'''


def explore(_: Translate) -> str:
    return f"""# {_("How many images of each digit, and what they look like.")}
digits, counts = np.unique(y_train, return_counts=True)
print(dict(zip(digits.tolist(), counts.tolist())))
figure, (bars, samples) = plt.subplots(1, 2, figsize=(10, 3))
bars.bar(digits, counts)
bars.set_xticks(digits)
bars.set_xlabel({_("digit")!r})
bars.set_ylabel({_("training images")!r})
samples.imshow(np.hstack([x_train[np.argmax(y_train == d)] for d in digits]), cmap="gray_r")
samples.axis("off")
plt.show()
print({_("pixel mean")!r}, round(float(x_train.mean() / 255), 4), {_("pixel std")!r}, round(float(x_train.std() / 255), 4))"""


def protocol(_: Translate) -> str:
    return f'''VALIDATION_SPLIT = 0.1


def scale_images(images):
    """uint8 (n, 28, 28) -> float32 (n, 28, 28, 1) in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def scale_batch(images, labels):
    return (tf.cast(images, tf.float32) / 255.0)[..., tf.newaxis], labels


def make_pipeline(x, y, shuffle_seed=None):
    # {_("Keras 3 repeats one order every epoch on arrays after set_random_seed; tf.data reshuffles, with the seed.")}
    data = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int32)))
    if shuffle_seed is not None:
        data = data.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    data = data.batch(BATCH_SIZE).map(scale_batch).prefetch(2)
    options = tf.data.Options()
    options.autotune.enabled = False
    return data.with_options(options)


def train_and_evaluate(build, seed):
    """{_("Train one model with the course's protocol from a seeded start; its test accuracy and loss.")}"""
    keras.backend.clear_session()  # {_("free the last model's memory")}
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        steps_per_execution=32,  # {_("speed only: the same numbers, step for step")}
    )
    # {_("The first LIMIT_TRAIN images; the last 10% of them for validation, as validation_split=0.1 does.")}
    used = len(x_train) if LIMIT_TRAIN is None else min(LIMIT_TRAIN, len(x_train))
    split_at = int(used * (1.0 - VALIDATION_SPLIT))
    training = make_pipeline(x_train[:split_at], y_train[:split_at], shuffle_seed=seed)
    validation = make_pipeline(x_train[split_at:used], y_train[split_at:used]) if used > split_at else None
    started = time.perf_counter()
    history = model.fit(training, epochs=EPOCHS, validation_data=validation, shuffle=False, verbose=0)
    train_seconds = time.perf_counter() - started
    test_images = tf.data.Dataset.from_tensor_slices(scale_images(x_test)).batch(1000)
    probabilities = model.predict(test_images, verbose=0)
    predictions = probabilities.argmax(axis=1)
    true_probability = probabilities[np.arange(len(predictions)), y_test]
    result = {{
        "params": int(model.count_params()),
        "test_accuracy": float(np.mean(predictions == y_test)),
        "test_loss": float(-np.mean(np.log(np.clip(true_probability, 1e-7, 1.0 - 1e-7)))),
        "train_seconds": train_seconds,
        "history": {{key: [float(v) for v in values] for key, values in history.history.items()}},
        "predictions": predictions,
    }}
    del model
    gc.collect()
    return result'''


def networks(design: Design, models: dict[str, Network], _: Translate) -> str:
    """One function per model that builds it, as the build does (analysis/models.py), and the table of them."""
    lines: list[str] = []
    builders = {network.builder.path: network.builder for network in models.values() if network.builder is not None}
    for path in sorted(builders):
        lines += [f"# {_('The builder file, as written:')} {builders[path].label.rsplit(':', 1)[0]}", _source(path), ""]
    for name, network in models.items():
        if network.builder is not None:
            continue
        lines += [_network_function(name, network), ""]
    lines.append("MODELS = {")
    for name, network in models.items():
        if network.builder is not None:
            arguments = ", ".join(f"{key}={value!r}" for key, value in network.builder.arguments)
            lines.append(f"    {name!r}: lambda: {network.builder.function}({arguments}),")
        else:
            lines.append(f"    {name!r}: build_{name},")
    lines.append("}")
    lines.append(f"MAIN = {design.main_name!r}")
    return "\n".join(lines)


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def _network_function(name: str, network: Network) -> str:
    lines = [f"def build_{name}():", '    inputs = keras.Input(shape=(28, 28, 1), name="image")', "    x = inputs"]
    for layer, layer_name in zip(network.layers, layer_names(network.layers)):
        lines.append(f"    x = {_keras_layer(layer, layer_name)}(x)")
    lines += [
        '    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)',
        f"    return keras.Model(inputs, outputs, name={name!r})",
    ]
    return "\n".join(lines)


def _keras_layer(layer, name: str) -> str:
    if layer.type == "conv":
        return (
            f"layers.Conv2D({layer.filters}, {layer.kernel}, strides={layer.strides}, padding={layer.padding!r}, "
            f"activation={layer.activation!r}, name={name!r})"
        )
    if layer.type in ("maxpool", "avgpool"):
        kind = "MaxPooling2D" if layer.type == "maxpool" else "AveragePooling2D"
        return f"layers.{kind}({layer.size}, name={name!r})"
    if layer.type == "dense":
        return f"layers.Dense({layer.units}, activation={layer.activation!r}, name={name!r})"
    if layer.type == "dropout":
        return f"layers.Dropout({layer.rate}, name={name!r})"
    simple = {"globalavgpool": "GlobalAveragePooling2D", "flatten": "Flatten", "batchnorm": "BatchNormalization"}
    return f"layers.{simple[layer.type]}(name={name!r})"


def summaries() -> str:
    return 'MODELS["baseline"]().summary()\nMODELS[MAIN]().summary()'


def training(_: Translate) -> str:
    return f"""RESULTS = {{}}
for name, build in MODELS.items():
    RESULTS[name] = []
    for seed in SEEDS:
        result = train_and_evaluate(build, seed)
        RESULTS[name].append(result)
        print(f"{{name}}, seed {{seed}}: {_("test accuracy")} {{result['test_accuracy']:.2%}}, {_("test loss")} {{result['test_loss']:.4f}}, {{result['train_seconds']:.0f}} s")"""


def results_table(_: Translate) -> str:
    return f"""def mean_std(values):
    # {_("the standard deviation over seeds (n - 1), none with one seed")}
    return float(np.mean(values)), (float(np.std(values, ddof=1)) if len(values) > 1 else None)


HEADER = ({_("model")!r}, {_("parameters")!r}, {_("test accuracy")!r}, {_("test loss")!r})
print(f"{{HEADER[0]:<16}} {{HEADER[1]:>10}} {{HEADER[2]:>20}} {{HEADER[3]:>18}}")
for name, runs in RESULTS.items():
    accuracy, accuracy_std = mean_std([run["test_accuracy"] for run in runs])
    loss, loss_std = mean_std([run["test_loss"] for run in runs])
    spread = f" ± {{100 * accuracy_std:.2f}}" if accuracy_std is not None else ""
    loss_spread = f" ± {{loss_std:.4f}}" if loss_std is not None else ""
    print(f"{{name:<16}} {{runs[0]['params']:>10,}} {{f'{{100 * accuracy:.2f}}{{spread}} %':>20}} {{f'{{loss:.4f}}{{loss_spread}}':>18}}")"""


def learning_curves(_: Translate) -> str:
    return f"""figure, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for name in ("baseline", MAIN):
    for key, style in (("accuracy", "-"), ("val_accuracy", "--")):
        if key in RESULTS[name][0]["history"]:
            curve = np.mean([run["history"][key] for run in RESULTS[name]], axis=0)
            axes[0].plot(range(1, len(curve) + 1), curve, style, label=f"{{name}} {{key}}")
    for key, style in (("loss", "-"), ("val_loss", "--")):
        if key in RESULTS[name][0]["history"]:
            curve = np.mean([run["history"][key] for run in RESULTS[name]], axis=0)
            axes[1].plot(range(1, len(curve) + 1), curve, style, label=f"{{name}} {{key}}")
axes[0].set_xlabel({_("epoch")!r})
axes[1].set_xlabel({_("epoch")!r})
axes[0].legend()
axes[1].legend()
plt.show()"""


def confusion(_: Translate) -> str:
    return f"""# {_("The main CNN's first run: which digit it took for which, on the test set.")}
matrix = np.zeros((10, 10), dtype=int)
np.add.at(matrix, (y_test, RESULTS[MAIN][0]["predictions"]), 1)
plt.figure(figsize=(4.5, 4))
plt.imshow(matrix, cmap="Blues")
plt.xlabel({_("predicted")!r})
plt.ylabel({_("true")!r})
plt.xticks(range(10))
plt.yticks(range(10))
plt.colorbar()
plt.show()
print(matrix)"""


def experiment(variants: list[tuple[str, object]], vary: str, _: Translate) -> str:
    """The experiment's table and figure: each value's model, mean test accuracy and spread."""
    rows = ", ".join(f"({value!r}, {name!r})" for name, value in variants)
    return f"""VARIANTS = [{rows}]  # ({vary}, {_("model")})
values = [str(value) for value, _name in VARIANTS]
accuracy = [mean_std([run["test_accuracy"] for run in RESULTS[name]]) for _value, name in VARIANTS]
for (value, name), (mean, std) in zip(VARIANTS, accuracy):
    print(f"{vary} = {{value!s:<8}} {{name:<20}} {{100 * mean:.2f}} %" + (f" ± {{100 * std:.2f}}" if std is not None else ""))
plt.figure(figsize=(5, 3))
plt.errorbar(values, [100 * mean for mean, _std in accuracy], yerr=[100 * (std or 0) for _mean, std in accuracy], marker="o", capsize=3)
plt.xlabel({vary!r})
plt.ylabel({_("test accuracy (%)")!r})
plt.show()"""


def numbers_file(_: Translate) -> str:
    return f"""# {_("Every run's test accuracy and loss, exactly, to compare with the report's report.json (models, per_seed).")}
import json

keys = ("test_accuracy", "test_loss", "train_seconds")
numbers = {{name: [{{"seed": seed, **{{key: run[key] for key in keys}}}} for seed, run in zip(SEEDS, runs)]
           for name, runs in RESULTS.items()}}
Path("notebook-results.json").write_text(json.dumps(numbers, indent=1))
print({_("written:")!r}, "notebook-results.json")"""
