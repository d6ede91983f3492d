"""SIGTERM and Ctrl-C as exceptions: one dropped where it landed (a garbage-collection callback) is raised again."""

from __future__ import annotations

import signal
import sys
import weakref

import pytest

from report.signals import Signals, Terminated

import builds

# The shared quick build's settings (tests/builds.py), quiet, in one process.
QUICK = [*builds.QUICK, "--quiet", "--jobs", "1"]


def test_a_signal_dropped_where_it_landed_is_raised_at_the_next_progress_line(monkeypatch, request, capfd):
    # Python drops an exception raised inside a weakref or garbage-collection
    # callback; a SIGTERM handled there must still stop the build.
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)
    for number in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(number)
        request.addfinalizer(lambda number=number, handler=handler: signal.signal(number, handler))
    signals = Signals()
    signals.install()

    class Model:
        pass

    model = Model()
    reference = weakref.ref(model, lambda _: signal.raise_signal(signal.SIGTERM))
    del model  # runs the callback, whose SIGTERM handler raises Terminated there, and Python drops it
    assert reference() is None
    with pytest.raises(Terminated):
        signals.check()
    # Dropped quietly: no "Exception ignored in ..." with a traceback on stderr.
    assert "Traceback" not in capfd.readouterr().err
