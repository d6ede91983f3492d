"""Every number of the report, in one JSON-able dict: report.json, which the templates and figures read.

The same dict is written to report.json, handed to the templates and read by
the figures, so the PDF, the HTML and the JSON cannot disagree. Every fact the
text states is computed here, where it is tested (tests/unit/report/summary/, and
tests/unit/templates/test_wording.py through the rendered text), never in a template: the
comparisons, the rankings, the rarest digit, the slowest variant, the products
of shapes. One module per block of report.json:

- :mod:`report.summary.document`: :func:`summarize`, the whole dict, with its settings and environment;
- :mod:`report.summary.dataset`: the data and its class balance;
- :mod:`report.summary.models`: each model's numbers over its seeds, confusions included;
- :mod:`report.summary.networks`: the student's two networks, layer by layer;
- :mod:`report.summary.comparison`: the baseline against the main CNN;
- :mod:`report.summary.experiment`: the controlled experiment, value by value;
- :mod:`report.summary.probes`: the probes of inductive bias and a look inside the CNN;
- :mod:`report.summary.spread`: whether two means differ beyond their seeds' spread;
- :mod:`report.summary.plan`: :func:`summarize_plan`, the same structure with stand-in numbers, before training.
"""

from report.summary.document import summarize
from report.summary.plan import summarize_plan

__all__ = ["summarize", "summarize_plan"]
