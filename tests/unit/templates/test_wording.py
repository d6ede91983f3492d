"""What the report says follows the numbers: a table of cases, each rendered through the real summarize() and templates.

Every case is a whole build's results (tests/synthetic.py: real result objects whose predictions make each accuracy
exact), summarised and rendered in English and Spanish. For each claim the text can make, the case names which
alternative the numbers call for; the test asserts that alternative's words are on the page and that every other
alternative's words are not. Literal sentences carry numbers worked out by hand from the case, written the way each
language writes them, so they also check the numbers the words quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

import synthetic
from synthetic import Scenario

MINUS = "\N{MINUS SIGN}"

# Each claim: its alternatives, and for each the (English, Spanish) phrases that only that alternative writes.
CLAIMS: dict[str, dict[str, list[tuple[str, str]]]] = {
    # Section 5, question 1 and the close of question 2: did the CNN beat the baseline, and by more than the noise?
    "verdict": {
        "beyond": [
            ("They did: the CNN's test error was", "Lo superaron: el error en prueba de la CNN"),
            (
                "The difference is larger than the run-to-run spread",
                "La diferencia supera la variación entre ejecuciones de ambos modelos",
            ),
            (
                "The gap exceeds the run-to-run spread of both models together.",
                "La diferencia supera la variación entre ejecuciones de los dos modelos sumada.",
            ),
            (
                "a smaller search space led to better generalisation here",
                "un espacio de búsqueda más pequeño llevó a una mejor generalización",
            ),
            (
                "Why did the convolutional layers outperform the baseline?",
                "¿Por qué las capas convolucionales superaron al modelo base?",
            ),
        ],
        "within": [
            ("Only within the noise:", "Solo dentro del margen de ruido:"),
            (
                "The difference is smaller than the run-to-run spread",
                "La diferencia es menor que la variación entre ejecuciones (las dos desviaciones",
            ),
            (
                "The gap is smaller than the run-to-run spread, so these runs cannot call it a real difference.",
                "La diferencia es menor que la variación entre ejecuciones, así que estas ejecuciones no permiten afirmar",
            ),
            ("did not lead to clearly better generalisation", "no se tradujo en una generalización claramente mejor"),
            (
                "Why did the convolutional layers outperform the baseline?",
                "¿Por qué las capas convolucionales superaron al modelo base?",
            ),
        ],
        "unmeasured": [
            ("They did: the CNN's test error was", "Lo superaron: el error en prueba de la CNN"),
            (
                "With one training run per model the run-to-run spread is unknown",
                "Con una sola ejecución por modelo no se conoce la variación entre ejecuciones",
            ),
            (
                "(One run per model: the spread between seeds was not measured.)",
                "(Una ejecución por modelo: no se midió la variación entre semillas)",
            ),
            (
                "a smaller search space led to better generalisation here",
                "un espacio de búsqueda más pequeño llevó a una mejor generalización",
            ),
            (
                "Why did the convolutional layers outperform the baseline?",
                "¿Por qué las capas convolucionales superaron al modelo base?",
            ),
        ],
        "not_better": [
            ("In this run the CNN did not beat the baseline", "En esta ejecución la CNN no superó al modelo base"),
            ("In this run they did not:", "En esta ejecución no lo hicieron:"),
            ("did not lead to clearly better generalisation", "no se tradujo en una generalización claramente mejor"),
            ("outperform the baseline — or why did they not?", "superaron al modelo base… o por qué no lo hicieron?"),
        ],
    },
    # The controlled experiment (section 6): is the best variant's lead over the worst more than the noise?
    "experiment_spread": {
        "beyond": [
            (
                "That gap is larger than the two variants' run-to-run spreads together",
                "Esa diferencia supera la suma de las variaciones entre ejecuciones de ambas variantes",
            )
        ],
        "within": [
            (
                "That gap is smaller than the two variants' run-to-run spreads together",
                "Esa diferencia es menor que la suma de las variaciones entre ejecuciones de ambas variantes",
            )
        ],
        "unknown": [
            (
                "With a single training run per variant the run-to-run spread is unknown",
                "Con una sola ejecución por variante no se conoce la variación entre ejecuciones",
            )
        ],
    },
    # What the experiment varies, explained for that variable only.
    "experiment_variable": {
        "kernel": [("Larger kernels see more context per filter", "Un kernel más grande ve más contexto por filtro")],
        "width": [
            (
                "The width multiplies the number of filters of every convolutional layer",
                "La anchura multiplica el número de filtros de cada capa convolucional",
            )
        ],
        "pooling": [
            (
                "Max pooling keeps the strongest response in each window",
                "El max pooling conserva la respuesta más fuerte de cada ventana",
            )
        ],
        "activation": [
            (
                "The activation is the non-linearity after each convolution and dense layer",
                "La activación es la no linealidad que sigue a cada capa convolucional y densa",
            )
        ],
    },
    # Whether the CNN of sections 4-5 is one of the experiment's rows.
    "experiment_main": {
        "tried": [
            (
                "row is the CNN above: the same runs, not trained again",
                "es la CNN anterior: las mismas ejecuciones, sin volver a entrenarla",
            )
        ],
        "not_tried": [("The CNN above is none of them", "La CNN anterior no es ninguna de ellas")],
    },
    # How the parameter count moves over the experiment's values.
    "experiment_params": {
        "kernel_not_monotonic": [
            (
                "The total parameter count is not monotonic in the kernel size",
                "El número total de parámetros no varía de forma monótona con el tamaño del kernel",
            )
        ],
        "monotonic": [
            (
                "The parameter count moves in one direction with",
                "Aquí el número de parámetros varía siempre en el mismo sentido",
            )
        ],
        "constant": [("Every variant has the same", "Todas las variantes tienen los mismos")],
        "unsaid": [],  # values without an order (pooling kinds): no claim about a direction
    },
    # How the experiment figure draws the accuracies: a line through values in order, points for named choices.
    "experiment_figure": {
        "line": [("Test accuracy (line", "Exactitud en prueba (línea")],
        "points": [("Test accuracy (points", "Exactitud en prueba (puntos")],
    },
    "shift_slope": {
        "slower": [("The CNN degrades more slowly", "La CNN se degrada más despacio")],
        "not_slower": [
            (
                "In this run the CNN did not degrade more slowly than the baseline",
                "la CNN no se degradó más despacio que el modelo base",
            )
        ],
    },
    "shift_threshold": {
        "falls": [("the CNN too fell below 90%", "también la CNN cayó por debajo del 90 %")],
        "never": [("the CNN never fell below 90%", "la CNN nunca cayó por debajo del 90 %")],
    },
    "permutation_baseline": {
        "beyond": [
            ("That change is larger than its run-to-run spread", "Ese cambio supera su variación entre ejecuciones")
        ],
        "within": [("That is within its run-to-run spread", "Está dentro de su variación entre ejecuciones")],
        "unknown": [
            (
                "so no change is expected; with one seed the run-to-run spread is unknown",
                "así que no cabe esperar ningún cambio; con una sola semilla",
            )
        ],
    },
    "permutation_cnn": {
        "ahead": [
            (
                "Even on shuffled pixels it stayed ahead of the baseline",
                "Incluso con los píxeles barajados siguió por delante del modelo base",
            )
        ],
        "margin": [("It kept only a margin of", "Solo conservó un margen de")],
        "lost": [("It lost its edge", "Perdió su ventaja")],
    },
    "data_efficiency": {
        "scarcest": [
            (
                "The CNN's advantage was largest where data was scarcest",
                "La ventaja de la CNN fue mayor donde los datos escaseaban más",
            )
        ],
        "not_scarcest": [
            (
                "In this run the CNN's advantage was not largest at the smallest training set",
                "la ventaja de la CNN no fue máxima con el conjunto de entrenamiento más pequeño",
            )
        ],
        "one_size": [
            (
                "This run had too few training images for more than one size",
                "Esta ejecución tenía demasiado pocas imágenes de entrenamiento para más de un tamaño",
            )
        ],
    },
    "size": {
        "comparable": [
            (
                "At comparable size, the difference comes from how the parameters are used",
                "Con un tamaño comparable, la diferencia no viene de cuántos parámetros hay",
            ),
            ("so the gain does not come from capacity", "así que la mejora no se debe a una mayor capacidad"),
        ],
        "larger": [
            (
                "The CNN is also much larger, so this comparison alone cannot separate",
                "La CNN es además mucho mayor, así que esta comparación por sí sola",
            ),
            ("so part of the gain may come from size alone", "parte de la mejora podría deberse solo al tamaño"),
        ],
        "no_gain": [
            (
                "In this run the extra structure did not translate into accuracy",
                "la estructura adicional no se tradujo en exactitud",
            )
        ],
    },
    # The baseline trained with one fixed epoch order, against the protocol's reshuffling.
    "epoch_order": {
        "worse": [
            ("here a fixed order costs the baseline accuracy", "aquí un orden fijo le cuesta exactitud al modelo base")
        ],
        "better": [("in this run the fixed order did better", "en esta ejecución el orden fijo salió mejor")],
        "within": [
            ("The two agree within the run-to-run spread", "Ambos coinciden dentro de la variación entre ejecuciones")
        ],
        "unknown": [
            (
                "With one run per setting the run-to-run spread is unknown",
                "Con una sola ejecución por variante se desconoce la variación",
            )
        ],
    },
    "balance": {
        "balanced": [("the classes are close to balanced", "las clases están prácticamente equilibradas")],
        "unbalanced": [("the classes are unbalanced", "las clases están desequilibradas")],
    },
    # Only written when the CNN won.
    "overfitting": {
        "less": [("The learning curves agree:", "Las curvas de aprendizaje lo confirman:")],
        "not_less": [
            ("The learning curves show a training–validation gap", "Las curvas de aprendizaje muestran una diferencia")
        ],
        "neither": [
            ("Neither model had begun to overfit by the last epoch", "Ningún modelo había empezado a sobreajustarse")
        ],
        "unsaid": [],
    },
    # Whether the more accurate CNN also has the lower test loss (only said when it is the more accurate).
    "loss": {
        "lower": [("Its test loss was lower too", "Su pérdida en prueba también fue menor")],
        "not_lower": [("Its test loss, though, was not lower", "Su pérdida en prueba, sin embargo, no fue menor")],
        "unsaid": [],
    },
    # Only written when the CNN did not win.
    "little_training": {
        "said": [("With this little training", "Con tan poco entrenamiento")],
        "unsaid": [],
    },
}

# What the default scenario (a typical full run) calls for.
DEFAULT = {
    "verdict": "beyond",
    "experiment_spread": "beyond",
    "experiment_variable": "kernel",
    "experiment_main": "tried",
    "experiment_params": "kernel_not_monotonic",
    "experiment_figure": "line",
    "shift_slope": "slower",
    "shift_threshold": "falls",
    "permutation_baseline": "within",
    "permutation_cnn": "lost",
    "data_efficiency": "scarcest",
    "size": "comparable",
    "balance": "balanced",
    "overfitting": "less",
    "loss": "lower",
    "little_training": "unsaid",
    "epoch_order": "within",
}
SINGLE_SEED = synthetic.ONE_SEED
LOSING = Scenario(kernels={3: (50, 48, 46), 5: (15, 13, 11), 7: (18, 16, 14)})


@dataclass(frozen=True)
class Case:
    id: str
    scenario: Scenario
    expect: dict = field(default_factory=dict)  # claim -> alternative, over DEFAULT
    english: tuple[str, ...] = ()  # literal sentences (numbers included) the English page must show
    spanish: tuple[str, ...] = ()


CASES = [
    # --- Baseline versus CNN ------------------------------------------------------------------------------------
    Case(
        "cnn wins beyond the spread",
        Scenario(),
        english=(
            "The CNN's test error was 1.00 ± 0.20% against 2.80 ± 0.20% for the baseline (",
            "2.8× fewer mistakes (+1.80 pp of accuracy) with 1.20× its parameters, at 3.0× its training time",
            "the CNN's test error was 1.00 ± 0.20% against 2.80 ± 0.20% for the baseline — 2.8× fewer mistakes "
            "(10 instead of 28). Its test loss was lower too: 0.0310 ± 0.0010 against 0.0950 ± 0.0010.",
            "It did so with 1.20× the baseline's parameters, so the gain does not come from capacity.",
            "99.00 ± 0.20%",
            "28 → 10",
            "97.00%",
            "97.20%",
            "97.40%",
            "98.80%",
            "99.20%",
        ),
        spanish=(
            "El error en prueba de la CNN fue del 1,00 ± 0,20 %, frente al 2,80 ± 0,20 % del modelo base (",
            "cometió 2,8× menos errores (+1,80 p. p. de exactitud) con 1,20× los parámetros de este y 3,0× su tiempo",
            "el error en prueba de la CNN fue del 1,00 ± 0,20 %, frente al 2,80 ± 0,20 % del modelo base: 2,8× "
            "menos errores (10 en lugar de 28). Su pérdida en prueba también fue menor: 0,0310 ± 0,0010 frente a "
            "0,0950 ± 0,0010.",
            "97,00 %",
            "97,20 %",
            "97,40 %",
            "98,80 %",
            "99,20 %",
        ),
    ),
    Case(
        "cnn wins within the spread",
        Scenario(kernels={3: (40, 24, 8), 5: (15, 13, 11), 7: (18, 16, 14)}),
        expect={"verdict": "within", "experiment_spread": "within"},
        english=(
            "Only within the noise: the CNN's test error was 2.40 ± 1.60% against 2.80 ± 0.20% for the baseline — "
            "1.2× fewer mistakes (24 instead of 28)",
        ),
        spanish=(
            "Solo dentro del margen de ruido: el error en prueba de la CNN fue del 2,40 ± 1,60 %, frente al "
            "2,80 ± 0,20 % del modelo base: 1,2× menos errores (24 en lugar de 28).",
        ),
    ),
    Case(
        "cnn ties with the baseline",
        Scenario(kernels={3: (30, 28, 26), 5: (15, 13, 11), 7: (18, 16, 14)}),
        expect={"verdict": "not_better", "size": "no_gain", "overfitting": "unsaid", "loss": "unsaid"},
        english=(
            "In this run the CNN did not beat the baseline (+0.00 pp of accuracy;",
            "with 1.20× its parameters and 3.0× its training time.",
        ),
        spanish=("En esta ejecución la CNN no superó al modelo base (+0,00 p. p. de exactitud;",),
    ),
    Case(
        "cnn loses",
        LOSING,
        expect={"verdict": "not_better", "size": "no_gain", "overfitting": "unsaid", "loss": "unsaid"},
        english=(
            f"In this run the CNN did not beat the baseline ({MINUS}2.00 pp of accuracy;",
            "In this run they did not: the CNN reached 95.20 ± 0.20% against the baseline's 97.20 ± 0.20%.",
            f"The CNN has 1.20× the baseline's parameters and scored {MINUS}2.00 pp relative to it",
        ),
        spanish=(
            f"En esta ejecución la CNN no superó al modelo base ({MINUS}2,00 p. p. de exactitud;",
            "En esta ejecución no lo hicieron: la CNN alcanzó un 95,20 ± 0,20 % frente al 97,20 ± 0,20 % del modelo base.",
        ),
    ),
    Case(
        "one seed, cnn wins",
        SINGLE_SEED,
        expect={
            "verdict": "unmeasured",
            "experiment_spread": "unknown",
            "permutation_baseline": "unknown",
            "epoch_order": "unknown",
        },
        english=(
            "They did: the CNN's test error was 1.00% against 2.80% for the baseline — 2.8× fewer mistakes "
            "(10 instead of 28). Its test loss was lower too: 0.0310 against 0.0950.",
        ),
        spanish=("Lo superaron: el error en prueba de la CNN fue del 1,00 %, frente al 2,80 % del modelo base",),
    ),
    Case(
        "one seed, cnn loses",
        SINGLE_SEED.with_(kernels={3: (48,), 5: (13,), 7: (16,)}),
        expect={
            "verdict": "not_better",
            "experiment_spread": "unknown",
            "permutation_baseline": "unknown",
            "size": "no_gain",
            "overfitting": "unsaid",
            "loss": "unsaid",
            "epoch_order": "unknown",
        },
        english=(f"({MINUS}2.00 pp of accuracy;", "the CNN reached 95.20% against the baseline's 97.20%"),
    ),
    Case(
        "cnn overfits more than the baseline",
        Scenario(cnn_final=(0.999, 0.969)),
        expect={"overfitting": "not_less"},
        english=("a training–validation gap of +3.00 pp for the CNN against +2.00 pp for the baseline",),
        spanish=("una diferencia entre entrenamiento y validación de +3,00 p. p. en la CNN frente a +2,00 p. p.",),
    ),
    Case(
        "cnn overfits less",
        Scenario(),
        english=(
            "the CNN's gap between training and validation accuracy was +0.50 pp against the baseline's +2.00 pp",
        ),
    ),
    # One short epoch: both models' training accuracy trails their validation accuracy, so no gap shows overfitting
    # (a smaller, more negative gap is not "generalising better").
    Case(
        "neither model overfits yet",
        Scenario(baseline_final=(0.90, 0.93), cnn_final=(0.80, 0.95)),
        expect={"overfitting": "neither"},
        english=(
            f"(a gap of {MINUS}15.00 pp for the CNN and {MINUS}3.00 pp for the baseline), so the learning curves "
            "cannot say which generalises better.",
        ),
        spanish=(f"(una diferencia de {MINUS}15,00 p. p. en la CNN y de {MINUS}3,00 p. p. en el modelo base)",),
    ),
    Case(
        "only the baseline's validation accuracy is above its training accuracy",
        Scenario(baseline_final=(0.90, 0.93), cnn_final=(0.99, 0.98)),
        expect={"overfitting": "not_less"},
        english=(f"a training–validation gap of +1.00 pp for the CNN against {MINUS}3.00 pp for the baseline",),
    ),
    # Right more often, with the higher loss: the text must not present the loss as a second win.
    Case(
        "cnn more accurate with the higher loss",
        Scenario(cnn_loss=(0.120, 0.110, 0.100)),
        expect={"loss": "not_lower"},
        english=(
            "Its test loss, though, was not lower: 0.1100 ± 0.0100 against 0.0950 ± 0.0010. It was right more often",
        ),
        spanish=("Su pérdida en prueba, sin embargo, no fue menor: 0,1100 ± 0,0100 frente a 0,0950 ± 0,0010.",),
    ),
    Case(
        "the digit that gained most",
        Scenario(baseline_wrong_digits=(8,), cnn_wrong_digits=(3,)),
        english=(
            "The digit that gained most was 8 (+28.00 pp of per-digit accuracy).",
            "Its most frequent confusions: 3 read as 4 (12×).",
            "The baseline's: 8 as 9 (30×).",
        ),
        spanish=(
            "El dígito que más ganó fue el 8 (+28,00 p. p. de exactitud en ese dígito).",
            "3 confundido con 4 (12×)",
            "Las del modelo base: 8 con 9 (30×).",
        ),
    ),
    Case(
        "little training: two epochs",
        LOSING.with_(epochs=2),
        expect={
            "verdict": "not_better",
            "size": "no_gain",
            "overfitting": "unsaid",
            "loss": "unsaid",
            "little_training": "said",
        },
        english=("With this little training (540 images, 2 epoch(s)) the comparison says little",),
        spanish=("Con tan poco entrenamiento (540 imágenes, 2 época(s))",),
    ),
    Case(
        "enough training: three epochs",
        LOSING.with_(epochs=3),
        expect={
            "verdict": "not_better",
            "size": "no_gain",
            "overfitting": "unsaid",
            "loss": "unsaid",
            "little_training": "unsaid",
        },
    ),
    Case(
        "little training: a limited training set",
        LOSING.with_(limit_train=500),
        expect={
            "verdict": "not_better",
            "size": "no_gain",
            "overfitting": "unsaid",
            "loss": "unsaid",
            "little_training": "said",
        },
        english=(
            "With this little training (450 images, 10 epoch(s))",
            "This run trained on the first 500 training images only",
        ),
    ),
    # --- Parameter counts ---------------------------------------------------------------------------------------
    Case(
        "cnn much larger than the baseline",
        Scenario(params={"cnn_k3": 200_000}),
        expect={"size": "larger"},
        english=(
            "It did so with 1.97× the baseline's parameters: more capacity, so part of the gain may come from size alone.",
        ),
        spanish=("Y lo hizo con 1,97× los parámetros del modelo base: más capacidad",),
    ),
    Case(
        "cnn exactly 1.5 times the baseline",
        Scenario(params={"cnn_k3": 152_655}),
        expect={"size": "comparable"},
        english=("It did so with 1.50× the baseline's parameters, so the gain does not come from capacity.",),
    ),
    # --- Kernel sizes -------------------------------------------------------------------------------------------
    Case(
        "best kernel first",
        Scenario(),
        english=(
            "The best test accuracy came from CNN 3×3 and the worst from CNN 7×7, 0.60 percentage points apart.",
            "Training took longest for CNN 7×7 (5 min 00 s) and least for CNN 3×3 (3 min 00 s).",
        ),
        spanish=(
            "La mejor exactitud en prueba se obtuvo con la CNN 3×3 y la peor con la CNN 7×7, con 0,60 puntos "
            "porcentuales de diferencia.",
        ),
    ),
    Case(
        "best kernel in the middle",
        Scenario(kernels={3: (12, 10, 8), 5: (9, 7, 5), 7: (18, 16, 14)}),
        english=("The best test accuracy came from CNN 5×5 and the worst from CNN 7×7, 0.90 percentage points apart.",),
        spanish=("se obtuvo con la CNN 5×5 y la peor con la CNN 7×7, con 0,90 puntos porcentuales",),
    ),
    Case(
        "best kernel last",
        Scenario(kernels={3: (12, 10, 8), 5: (15, 13, 11), 7: (8, 6, 4)}),
        english=("The best test accuracy came from CNN 7×7 and the worst from CNN 5×5, 0.70 percentage points apart.",),
        spanish=("se obtuvo con la CNN 7×7 y la peor con la CNN 5×5, con 0,70 puntos porcentuales",),
    ),
    Case(
        "kernels tied",
        Scenario(kernels={3: (12, 10, 8), 5: (12, 10, 8), 7: (12, 10, 8)}),
        expect={"experiment_spread": "within"},
        english=("The best test accuracy came from CNN 3×3 and the worst from CNN 7×7, 0.00 percentage points apart.",),
    ),
    Case(
        "kernels within the spread",
        Scenario(kernels={3: (12, 10, 8), 5: (16, 11, 6), 7: (17, 12, 7)}),
        expect={"experiment_spread": "within"},
        english=("The best test accuracy came from CNN 3×3 and the worst from CNN 7×7, 0.20 percentage points apart.",),
    ),
    Case(
        "two kernel sizes: the parameter count in one direction",
        Scenario(kernels={3: (12, 10, 8), 5: (15, 13, 11)}),
        expect={"experiment_params": "monotonic", "experiment_spread": "within"},
        english=(
            "The parameter count moves in one direction with the kernel size here.",
            "The best test accuracy came from CNN 3×3 and the worst from CNN 5×5, 0.30 percentage points apart.",
        ),
        spanish=("Aquí el número de parámetros varía siempre en el mismo sentido que el tamaño del kernel.",),
    ),
    Case(
        "the main cnn's kernel size left out of the experiment",
        Scenario(values=(5, 7)),
        expect={"experiment_main": "not_tried", "experiment_params": "monotonic", "experiment_spread": "within"},
        english=(
            "The same CNN was trained with each kernel size (5×5 and 7×7), everything else equal.",
            "The best test accuracy came from CNN 5×5 and the worst from CNN 7×7, 0.30 percentage points apart.",
        ),
        spanish=("La CNN anterior no es ninguna de ellas",),
    ),
    # --- Other variables than the kernel size -------------------------------------------------------------------
    Case(
        "widths: the widest best",
        Scenario(vary="width", kernels={0.5: (20, 18, 16), 1: (12, 10, 8), 2: (9, 8, 7)}),
        expect={"experiment_variable": "width", "experiment_params": "monotonic"},
        english=(
            "6. Width: ×0.5, ×1 or ×2?",
            "The same CNN was trained with each width (×0.5, ×1 and ×2)",
            "The ×1 row is the CNN above",
            "The best test accuracy came from CNN (width ×2) and the worst from CNN (width ×0.5), 1.00 percentage "
            "points apart.",
            # Every variant took 60 s: one is named the slowest and another the fastest, never the same one.
            "Training took longest for CNN (width ×0.5) (1 min 00 s) and least for CNN (width ×2) (1 min 00 s).",
        ),
        spanish=(
            "6. Anchura: ¿×0,5, ×1 o ×2?",
            "La fila ×1 es la CNN anterior",
            "La mejor exactitud en prueba se obtuvo con la CNN (anchura ×2) y la peor con la CNN (anchura ×0,5), "
            "con 1,00 puntos porcentuales de diferencia.",
        ),
    ),
    Case(
        "pooling kinds: max best, none worst, within the spread",
        Scenario(vary="pooling", kernels={"max": (12, 10, 8), "avg": (14, 12, 10), "none": (16, 14, 12)}),
        expect={
            "experiment_variable": "pooling",
            "experiment_params": "unsaid",
            "experiment_spread": "within",
            "experiment_figure": "points",
        },
        english=(
            "6. Pooling: maximum, average or none?",
            "The best test accuracy came from CNN (max pooling) and the worst from CNN (no pooling), 0.40 percentage "
            "points apart.",
            "the honest reading is that the pooling barely matters here",
        ),
        spanish=(
            "La mejor exactitud en prueba se obtuvo con la CNN (max pooling) y la peor con la CNN (sin pooling)",
            "la lectura honesta es que aquí el pooling apenas importa",
        ),
    ),
    Case(
        "activations: the same parameters",
        Scenario(vary="activation", kernels={"relu": (12, 10, 8), "tanh": (16, 14, 12)}),
        expect={
            "experiment_variable": "activation",
            "experiment_params": "constant",
            "experiment_spread": "within",
            "experiment_figure": "points",
        },
        english=(
            "Every variant has the same 121,930 parameters: the activation changes what they learn",
            "The best test accuracy came from CNN (relu) and the worst from CNN (tanh), 0.40 percentage points apart.",
        ),
        spanish=("Todas las variantes tienen los mismos 121.930 parámetros: la activación cambia lo que aprenden",),
    ),
    # --- Translation --------------------------------------------------------------------------------------------
    Case(
        "cnn degrades more slowly and falls below the threshold",
        Scenario(),
        english=("by two pixels, 80.00% and 95.00%", "From 3 pixels on, the CNN too fell below 90%"),
        spanish=("A partir de 3 píxeles también la CNN cayó por debajo del 90 %",),
    ),
    Case(
        "cnn degrades no more slowly by two pixels",  # its lead: 2 points unshifted, 4 by one pixel, 1 by two, 25 by three
        Scenario(cnn_shift=(0.99, 0.97, 0.81, 0.85, 0.50, 0.25, 0.15)),
        expect={"shift_slope": "not_slower"},
        english=("From 2 pixels on, the CNN too fell below 90%",),
    ),
    Case(
        "cnn's lead unchanged by a small shift",  # exact binary fractions: the two gaps are equal
        Scenario(
            baseline_shift=(0.875, 0.75, 0.5, 0.5, 0.5, 0.5, 0.5), cnn_shift=(1.0, 0.875, 0.625, 0.5, 0.5, 0.5, 0.5)
        ),
        expect={"shift_slope": "not_slower"},
    ),
    Case(
        "cnn never falls below the threshold, reaching it exactly",
        Scenario(cnn_shift=(0.99, 0.99, 0.98, 0.97, 0.95, 0.93, 0.90)),
        expect={"shift_threshold": "never"},
        english=("Within 6 pixels the CNN never fell below 90%.",),
        spanish=("Hasta 6 píxeles de desplazamiento, la CNN nunca cayó por debajo del 90 %.",),
    ),
    # --- Permuted pixels ----------------------------------------------------------------------------------------
    Case(
        "permutation costs the cnn its edge",
        Scenario(),
        english=(
            "The baseline went from 97.20 ± 0.20% to 97.20 ± 0.30% (+0.00 pp;",
            "The CNN went from 99.00 ± 0.20% to 95.80 ± 0.30%",
            f"It lost its edge: on shuffled pixels it scored {MINUS}1.40 pp relative to the baseline.",
        ),
        spanish=(f"Perdió su ventaja: con los píxeles barajados obtuvo {MINUS}1,40 p. p. respecto al modelo base.",),
    ),
    Case(
        "cnn stays ahead on permuted pixels",
        Scenario(cnn_permuted=(20, 18, 16)),
        expect={"permutation_cnn": "ahead"},
        english=("Even on shuffled pixels it stayed ahead of the baseline (+1.00 pp)",),
        spanish=("Incluso con los píxeles barajados siguió por delante del modelo base (+1,00 p. p.)",),
    ),
    Case(
        "cnn keeps a margin within the spread",
        Scenario(cnn_permuted=(31, 26, 21)),
        expect={"permutation_cnn": "margin"},
        english=("It kept only a margin of +0.20 pp over the baseline, within the run-to-run spread",),
    ),
    Case(
        "cnn and baseline tie on permuted pixels",
        Scenario(cnn_permuted=(31, 28, 25)),
        expect={"permutation_cnn": "lost"},
        english=("It lost its edge: on shuffled pixels it scored +0.00 pp relative to the baseline.",),
    ),
    Case(
        "permutation hurts the baseline too",
        Scenario(baseline_permuted=(50, 48, 46)),
        expect={"permutation_baseline": "beyond", "permutation_cnn": "ahead"},
        english=(
            f"The baseline went from 97.20 ± 0.20% to 95.20 ± 0.20% ({MINUS}2.00 pp;",
            "Even on shuffled pixels it stayed ahead of the baseline (+0.60 pp)",
        ),
    ),
    # --- Data efficiency ----------------------------------------------------------------------------------------
    Case(
        "cnn's lead shrinks with more data",
        Scenario(),
        english=(
            "With 1,000 images the CNN reached 92.00 ± 0.00% against the baseline's 85.00 ± 0.00%, a gap of "
            "+7.00 pp; with 54,000 images the gap was +1.80 pp",
        ),
        spanish=(
            "Con 1000 imágenes la CNN alcanzó un 92,00 ± 0,00 % frente al 85,00 ± 0,00 % del modelo base, una "
            "diferencia de +7,00 p. p.; con 54.000 imágenes la diferencia fue de +1,80 p. p.",
        ),
    ),
    Case(
        "cnn's lead grows with more data",
        Scenario(
            efficiency={1000: ((100,) * 3, (95,) * 3), 5000: ((60,) * 3, (40,) * 3), 20000: ((45,) * 3, (18,) * 3)}
        ),
        expect={"data_efficiency": "not_scarcest"},
    ),
    Case(
        "cnn far behind with the least data",
        Scenario(efficiency={1000: ((100,) * 3, (250,) * 3), 5000: ((60,) * 3, (40,) * 3)}),
        expect={"data_efficiency": "not_scarcest"},
        english=(f"a gap of {MINUS}15.00 pp",),
    ),
    Case(
        "cnn's lead equal at the two smallest sizes",
        Scenario(efficiency={1000: ((45,) * 3, (18,) * 3), 5000: ((45,) * 3, (18,) * 3)}),
        expect={"data_efficiency": "scarcest"},
    ),
    Case("one training-set size only", Scenario(efficiency={}), expect={"data_efficiency": "one_size"}),
    # --- The order of the training images -----------------------------------------------------------------------
    Case(
        "epoch order makes no difference",
        Scenario(),
        english=(
            "It reached 97.20 ± 0.20% (test loss 0.0950 ± 0.0010) against 97.20 ± 0.20% (test loss 0.0950 ± 0.0010) "
            "reshuffled, a change of +0.00 pp",
        ),
        spanish=("Alcanzó un 97,20 ± 0,20 % (pérdida en prueba 0,0950 ± 0,0010) frente al 97,20 ± 0,20 %",),
    ),
    Case(
        "a fixed epoch order costs the baseline",
        Scenario(baseline_fixed_order=(42, 40, 38)),
        expect={"epoch_order": "worse"},
        english=(
            f"reshuffled, a change of {MINUS}1.20 pp",
            "If your own notebook's baseline lands nearer 96.00% than 97.20%, check whether its epochs repeat one order.",
        ),
        spanish=("queda más cerca del 96,00 % que del 97,20 %",),
    ),
    Case(
        "a fixed epoch order does better", Scenario(baseline_fixed_order=(20, 18, 16)), expect={"epoch_order": "better"}
    ),
    Case(
        "a fixed epoch order a little worse, within the spread",
        Scenario(baseline_fixed_order=(32, 30, 28)),
        expect={"epoch_order": "within"},
    ),
    # --- The data -----------------------------------------------------------------------------------------------
    Case(
        "classes balanced",
        Scenario(),
        english=("The rarest training digit is 0 (60 images, 10.0%) and the most common 9 (60, 10.0%)",),
    ),
    Case("classes just balanced", Scenario(train_counts=(41,) + (60,) * 9)),
    Case(
        "classes unbalanced",
        Scenario(train_counts=(40,) + (60,) * 9),
        expect={"balance": "unbalanced"},
        english=("The rarest training digit is 0 (40 images, 6.9%) and the most common 9 (60, 10.3%)",),
        spanish=("El dígito menos frecuente en entrenamiento es el 0 (40 imágenes, un 6,9 %)",),
    ),
]

SECTIONS = {  # the probes partial, in both languages
    "en": [
        "Evidence: probing the inductive bias",
        "Translation: what weight sharing and pooling buy",
        "Shuffled pixels: what locality buys",
        "Data efficiency: assumptions as a substitute for examples",
        "Parameter efficiency",
        "Inside the CNN",
    ],
    "es": [
        "Evidencia: poniendo a prueba el sesgo inductivo",
        "Traslación: lo que aportan los pesos compartidos",
        "Píxeles barajados: lo que aporta la localidad",
        "Eficiencia de datos: supuestos que sustituyen a ejemplos",
        "Eficiencia de parámetros",
        "Dentro de la CNN",
    ],
}
LANGUAGE_INDEX = {"en": 0, "es": 1}


def _expected_and_opposite(expect: dict, lang: str) -> tuple[set[str], set[str]]:
    """The phrases the chosen alternatives write, and those only the other alternatives write."""
    index = LANGUAGE_INDEX[lang]
    present, absent = set(), set()
    for claim, alternatives in CLAIMS.items():
        chosen = expect[claim]
        present |= {pair[index] for pair in alternatives[chosen]}
        for name, phrases in alternatives.items():
            if name != chosen:
                absent |= {pair[index] for pair in phrases}
    return present, absent - present


def _page(case: Case, lang: str) -> str:
    """The case summarised and rendered in ``lang``, as visible text (each test renders its own, see test_summary.py)."""
    return synthetic.page_text(synthetic.render(synthetic.build(case.scenario).summary(lang), lang))


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_text_makes_the_claim_the_numbers_call_for(case, lang):
    text = _page(case, lang)
    present, absent = _expected_and_opposite(DEFAULT | case.expect, lang)
    missing = sorted(phrase for phrase in present if phrase not in text)
    contradicting = sorted(phrase for phrase in absent if phrase in text)
    assert not missing, f"{case.id} ({lang}): the claim the numbers call for is missing: {missing}"
    assert not contradicting, f"{case.id} ({lang}): the opposite claim is made: {contradicting}"
    literals = case.english if lang == "en" else case.spanish
    not_shown = [literal for literal in literals if literal not in text]
    assert not not_shown, f"{case.id} ({lang}): {not_shown}"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_probes_sections_are_rendered(lang):
    text = _page(CASES[0], lang)
    for heading in SECTIONS[lang]:
        assert heading in text, heading


def test_every_alternative_of_every_claim_is_exercised():
    """A claim whose alternative no case calls for is an untested branch of the template."""
    chosen = {(claim, (DEFAULT | case.expect)[claim]) for case in CASES for claim in CLAIMS}
    unexercised = [
        (claim, name) for claim, alternatives in CLAIMS.items() for name in alternatives if (claim, name) not in chosen
    ]
    assert not unexercised
