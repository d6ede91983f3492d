"""What readers see a model called: the one place that turns an internal key into a display name.

Models are keyed by identifiers (``baseline``, ``cnn_k3``) in the code, the
cache and report.json; tables, figures and sentences show their display names
("baseline", "CNN 3×3"; in Spanish "modelo base", "CNN 3×3"). Every part of
the report asks this module, so a model is called the same everywhere and in
every language.
"""

from __future__ import annotations

import re

from analysis.errors import RenderError
from report.i18n import Translate

_KERNEL_CNN = re.compile(r"cnn_k(\d+)")


def display_name(key: str, translate: Translate) -> str:
    """The name readers see for the model ``key``, in the language of ``translate``.

    A no-break space keeps "CNN" and its kernel size on one line. An unknown
    key stops the render rather than print an identifier in the report.
    """
    if key == "baseline":
        return translate("baseline")
    match = _KERNEL_CNN.fullmatch(key)
    if match:
        return translate("CNN\N{NO-BREAK SPACE}%(size)s×%(size)s") % {"size": match[1]}
    raise RenderError(f"no display name for the model {key!r}; add one in report/names.py")
