"""`cnn-report build` on tiny data: all three files, the numbers of every seed, and nothing printed with --quiet."""

from __future__ import annotations

import json


def test_tiny_build_writes_all_three_files_and_quiet_is_silent(editions):
    """The English edition of the shared tiny build: --quiet, one epoch, kernel size 3, two seeds."""
    edition = editions["en"]
    out = edition["pdf"]
    # Silent while training (the Spanish edition, built first, trained every fit) and while reading the cache.
    assert editions["es"]["output"] == "" and edition["output"] == ""
    assert out.read_bytes().startswith(b"%PDF")
    assert "<html" in out.with_suffix(".html").read_text()
    summary = json.loads(out.with_suffix(".json").read_text())
    assert set(summary["models"]) == {"baseline", "cnn_k3"}
    assert summary["dataset"]["n_train"] == 200
    assert summary["settings"]["kernel_sizes"] == [3]
    assert summary["settings"]["seeds"] == [42, 43]
    runs = summary["models"]["cnn_k3"]["per_seed"]
    assert len(runs) == 2
    assert summary["models"]["cnn_k3"]["test_accuracy"] == (runs[0]["test_accuracy"] + runs[1]["test_accuracy"]) / 2
    # The baseline once more per seed with one fixed epoch order: its own fits, not copies of the reshuffled ones.
    order = summary["probes"]["epoch_order"]
    assert [row["seed"] for row in order["per_seed"]] == [42, 43]
    reshuffled = summary["models"]["baseline"]["per_seed"]
    assert [row["reshuffled_test_loss"] for row in order["per_seed"]] == [run["test_loss"] for run in reshuffled]
    assert [row["fixed_test_loss"] for row in order["per_seed"]] != [run["test_loss"] for run in reshuffled]
    assert 'id="epoch-order"' in out.with_suffix(".html").read_text()
