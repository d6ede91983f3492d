"""The report's files: the finished-report cache key follows everything the report depends on, and nothing else."""

from __future__ import annotations

from dataclasses import replace

import report.outputs
from analysis.data import load_dataset
from report.config import resolve_config
from report.outputs import report_key


def test_a_finished_report_is_not_reused_across_onednn_settings(monkeypatch, tiny_npz):
    # Its numbers come from models trained with or without oneDNN, so the report's key follows the setting too.
    config, dataset = resolve_config({"out": tiny_npz.parent / "r.pdf"}), load_dataset(tiny_npz)
    key = report_key(config, dataset)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert report_key(config, dataset) != key


def test_the_report_key_follows_every_setting_that_changes_the_report(tmp_path, tiny_npz, monkeypatch):
    dataset = load_dataset(tiny_npz)
    places = {"out": tmp_path / "r.pdf", "data": tiny_npz}
    base = resolve_config(places)
    key = report_key(base, dataset)
    assert report_key(resolve_config(places), dataset) == key
    changed = [
        resolve_config(places, option)
        for option in (
            {"epochs": 9},
            {"batch_size": 64},
            {"seed": 1},
            {"seeds": 2},
            {"limit_train": 100},
            {"kernel_sizes": (3, 5)},
            {"lang": "es"},
        )
    ]
    assert len({report_key(config, dataset) for config in changed} | {key}) == len(changed) + 1
    assert report_key(base, replace(dataset, sha256="f" * 64)) != key
    # Neither --quiet, nor where the cache lives, nor how many fits train at once changes what the report says.
    same = resolve_config(places, {"quiet": True, "cache_dir": tmp_path / "elsewhere", "jobs": 2})
    assert report_key(same, dataset) == key
    # Other program code or templates: another report.
    monkeypatch.setattr(report.outputs, "source_digest", lambda: "another program")
    assert report_key(base, dataset) != key
