"""The "changes" block of two reports (report/changes.py), shown on a terminal or in a pull-request comment.

Only what changed is shown, in one order: the two reports, a failure to
reproduce, the metrics that moved (each judged against the seeds' noise),
models added or removed, flipped conclusions, then the causes: settings,
design, notes, environment, code. Both views are built from one list of
blocks, so the terminal and the pull request always say the same thing.
"""

from __future__ import annotations

import datetime
import json
import re

import click

from report.changes import settings_digest
from report.i18n import number_format
from report.summary.claims import CLAIM_TEXT

FORMATS = ("text", "markdown", "json")
FAIL_ON = ("flip", "change", "any")
RULE = (
    "A change is beyond seed noise when it is larger than the sum of the two reports' seed-to-seed standard deviations."
)
# Each verdict on a metric's change: its words, and its style.
_VERDICTS = {
    True: ("beyond seed noise", "beyond"),
    False: ("within seed noise", "within"),
    None: ("cannot judge (one seed)", "unjudged"),
}
_METRIC_NAMES = {"test_accuracy": "test accuracy", "test_loss": "test loss"}
_ENVIRONMENT_NAMES = {
    "python": "Python",
    "tensorflow_onednn": "TensorFlow oneDNN",
    "data_sha256": "data (sha256)",
}
# What report/changes.py's "not_compared" names, in words.
_NOT_COMPARED = {
    "design": "the design",
    "notes": "the notes and the title page",
    "data": "the data",
    "code": "the code version",
}
_HEADER = ("model", "metric", "old", "new", "change", "verdict")
# What each kind of line looks like on a colour terminal.
_STYLES = {
    "title": {"bold": True},
    "alert": {"fg": "red", "bold": True},
    "same": {"fg": "green"},
    "flip": {"fg": "magenta", "bold": True},
    "heading": {"bold": True},
    "beyond": {"fg": "yellow", "bold": True},
    "within": {"fg": "green"},
    "unjudged": {"dim": True},
}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NUMBERS = number_format("en")


def fails(changes: dict, fail_on: str | None) -> bool:
    """Whether ``--fail-on`` asks for exit code 1: a flipped conclusion; a change beyond noise (or a flip); any change."""
    if fail_on == "flip":
        return bool(changes["flips"])
    if fail_on == "change":
        return bool(changes["beyond_noise"] or changes["flips"])
    if fail_on == "any":
        return not changes["nothing_changed"]
    return False


def view(changes: dict, old: dict, new: dict, form: str, color: bool = False) -> str:
    """The changes in one of FORMATS; json is the changes block itself."""
    if form == "json":
        return json.dumps(changes, indent=2)
    return as_text(changes, old, new, color) if form == "text" else as_markdown(changes, old, new)


def as_text(changes: dict, old: dict, new: dict, color: bool) -> str:
    """The changes for a terminal: aligned, and coloured when ``color`` (click.echo drops colour off a terminal)."""

    def styled(text: str, style: object) -> str:
        return click.style(text, **_STYLES[style]) if color and style in _STYLES else text

    lines = []
    for kind, *content in _blocks(changes, old, new):
        if kind == "line":
            text, style = content
            # The reports compared, and a failure to reproduce, stand apart from the rest.
            lines += [styled(text, style)] + ([""] if style in ("title", "alert") else [])
        elif kind == "list":
            heading, items, style = content
            if heading:
                lines += [styled(heading, "heading")] + [f"  {styled(item, style)}" for item in items]
            else:
                lines += [styled(item, style) for item in items]
        else:
            lines += _text_table(content[0], styled) + [""]
    return "\n".join(lines).rstrip("\n")


def _text_table(rows: list[tuple], styled) -> list[str]:
    """The metrics as aligned columns, numbers to the right, each verdict in its colour."""
    cells = [_HEADER] + [row[:-1] for row in rows]
    widths = [max(len(row[column]) for row in cells) for column in range(len(_HEADER))]
    lines = []
    for index, row in enumerate(cells):
        padded = [
            cell.rjust(width) if column in (2, 3, 4) else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row[:-1], widths))
        ]
        if index == 0:
            lines.append(styled("  ".join(padded + [row[-1]]), "heading"))
        else:
            lines.append("  ".join(padded + [styled(row[-1], rows[index - 1][-1])]))
    return lines


def as_markdown(changes: dict, old: dict, new: dict) -> str:
    """The changes for a pull-request comment: paragraphs, bullet lists and a pipe table."""
    parts = []
    for kind, *content in _blocks(changes, old, new):
        if kind == "line":
            text, style = content
            if style == "alert":
                parts.append(f"> **{text}**")
            elif style == "title":
                parts.append(f"**{text}**")
            else:
                parts.append(text)
        elif kind == "list":
            heading, items, _ = content
            parts.append((f"**{heading}**\n\n" if heading else "") + "\n".join(f"- {item}" for item in items))
        else:
            table = [f"| {' | '.join(_HEADER)} |", "|---|---|--:|--:|--:|---|"]
            for *cells, verdict in content[0]:
                cells[-1] = f"**{cells[-1]}**" if verdict == "beyond" else cells[-1]
                table.append(f"| {' | '.join(cells)} |")
            parts.append("\n".join(table))
    return "\n\n".join(parts)


def _blocks(changes: dict, old: dict, new: dict) -> list[tuple]:
    """What to show, in order: ("line", text, style), ("list", heading or None, items, style), or ("table", rows)."""
    previous = changes["previous"]
    now = {
        "generated_at": new["environment"].get("generated_at"),
        "code": new["environment"].get("code_digest"),
        "settings_digest": settings_digest(new),
    }
    blocks: list[tuple] = [("line", f"Report of {_described(previous)} → report of {_described(now)}", "title")]
    if changes["nothing_changed"]:
        blocks.append(("line", f"Nothing changed: same as the report of {_date(previous['generated_at'])}.", "same"))
        return blocks + _not_compared(changes)
    if changes["numbers_moved_alone"]:
        blocks.append(
            (
                "line",
                "Not reproduced: the numbers moved although the data, settings, design, code and environment "
                "are the same.",
                "alert",
            )
        )
    unchanged = changes["metrics_unchanged"]
    count = f"{unchanged} metric{'' if unchanged == 1 else 's'} unchanged"
    if changes["metrics"]:
        blocks.append(("table", [_metric_row(metric) for metric in changes["metrics"]]))
        blocks += [("line", f"{count}.", None), ("line", RULE, None)]
    else:
        blocks.append(("line", f"No metric changed ({count}).", None))
    for key, heading in (("models_added", "Models added"), ("models_removed", "Models removed")):
        if changes[key]:
            blocks.append(("line", f"{heading}: {', '.join(changes[key])}.", None))
    if changes["flips"]:
        blocks.append(("list", None, [_flip(flip) for flip in changes["flips"]], "flip"))
    if changes["settings"]:
        items = [_change(item["name"].replace("_", " "), item["old"], item["new"]) for item in changes["settings"]]
        blocks.append(("list", "Settings changed:", items, None))
    if changes["design_changed"]:
        blocks.append(("line", "The design changed (the networks or the experiment).", None))
    if changes["notes_changed"]:
        blocks.append(("line", f"Notes changed: {', '.join(changes['notes_changed'])}.", None))
    if changes["title_page_changed"]:
        blocks.append(("line", "The title page changed.", None))
    if changes["environment"]:
        items = [
            _change(_ENVIRONMENT_NAMES.get(item["name"], item["name"].replace("_", " ")), item["old"], item["new"])
            for item in changes["environment"]
        ]
        blocks.append(("list", "Environment changed:", items, None))
    if changes["code_changed"]:
        blocks.append(("line", f"The code changed: {_short(previous['code'])} → {_short(now['code'])}.", None))
    return blocks + _not_compared(changes)


def _not_compared(changes: dict) -> list[tuple]:
    """What one of the reports does not record (an older cnn-report's, or a build without some part)."""
    parts = []
    for part in changes["not_compared"]:
        if part == "claims":
            claims = "; ".join(CLAIM_TEXT.get(name, name) for name in changes.get("claims_not_compared", []))
            parts.append("the conclusions only one report draws" + (f" ({claims})" if claims else ""))
        else:
            parts.append(_NOT_COMPARED.get(part, part.replace("_", " ")))
    return [("line", f"Could not compare: {', '.join(parts)}.", None)] if parts else []


def _described(report: dict) -> str:
    """A report's date, code digest and settings digest."""
    return f"{_date(report['generated_at'])} (code {_short(report['code'])}, settings {report['settings_digest']})"


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "unknown"


def _date(generated_at: str | None) -> str:
    """'2026-12-07T20:22:44+00:00' -> '2026-12-07 20:22 UTC'; anything else as it is."""
    if not generated_at:
        return "an unknown date"
    try:
        moment = datetime.datetime.fromisoformat(generated_at)
    except ValueError:
        return generated_at
    if moment.utcoffset() == datetime.timedelta(0):
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.isoformat(sep=" ", timespec="minutes")


def _metric_row(metric: dict) -> tuple:
    """model, metric, old, new, change and verdict as text, then the verdict's style."""
    if metric["metric"] == "test_accuracy":
        old = _NUMBERS.percent_spread(metric["old"], metric["old_std"])
        new = _NUMBERS.percent_spread(metric["new"], metric["new_std"])
        change = _NUMBERS.points(metric.get("change_pp") or 100 * metric["change"])
    else:
        old = _NUMBERS.decimal_spread(metric["old"], metric["old_std"])
        new = _NUMBERS.decimal_spread(metric["new"], metric["new_std"])
        change = f"{metric['change']:+.4f}".replace("-", "\N{MINUS SIGN}")
    name = _METRIC_NAMES.get(metric["metric"], metric["metric"])
    return (metric["model"], name, old, new, change, *_VERDICTS[metric["beyond_noise"]])


def _flip(flip: dict) -> str:
    """One flipped conclusion, in words: 'Flipped: <claim> — was true, now false'."""
    if flip["claim"] == "best_variant":
        was, now = (
            model if holds else f"none beyond the seeds' spread ({model} leads)"
            for holds, model in ((flip["old"], flip["old_model"]), (flip["new"], flip["new_model"]))
        )
    else:
        was, now = ("true" if holds else "false" for holds in (flip["old"], flip["new"]))
    return f"Flipped: {CLAIM_TEXT.get(flip['claim'], flip['claim'])} — was {was}, now {now}"


def _change(name: str, old: object, new: object) -> str:
    return f"{name}: {_value(old)} → {_value(new)}"


def _value(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    text = str(value)
    return text[:12] if _SHA256.fullmatch(text) else text
