"""SIGTERM and Ctrl-C as exceptions, so that an interrupted build runs the same clean-up and keeps what finished.

The command line installs :data:`SIGNALS` and turns what they raise into the
exit codes 130 (Ctrl-C) and 143 (SIGTERM) (report/cli.py).
"""

from __future__ import annotations

import signal
import sys

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so that the same clean-up runs."""


class Signals:
    """Turns SIGTERM (and Ctrl-C) into exceptions, and remembers them so that none is lost.

    Python runs a signal handler between any two bytecodes, also inside a
    garbage-collection or weakref callback, where an exception is printed and
    dropped ("Exception ignored in ..."). Keras collects garbage as each model
    starts, so a signal landing there would be lost; :meth:`check`, called with
    every progress line (each epoch at least), raises it again.
    """

    def __init__(self):
        self._received: type[KeyboardInterrupt] | None = None
        self._previous_unraisablehook = sys.unraisablehook

    def install(self) -> None:
        self._received = None
        if sys.unraisablehook != self._report_unraisable:
            self._previous_unraisablehook = sys.unraisablehook
            sys.unraisablehook = self._report_unraisable
        signal.signal(signal.SIGTERM, self._handle)
        # Only where Python's own Ctrl-C handler is in place: an ignored SIGINT stays ignored.
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signal_number, frame):
        self._received = Terminated if signal_number == signal.SIGTERM else KeyboardInterrupt
        raise self._received()

    def _report_unraisable(self, unraisable) -> None:
        # A dropped signal is not an error to show: check() raises it again.
        if not (self._received is not None and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            self._previous_unraisablehook(unraisable)

    def check(self) -> None:
        """Raise again a signal whose exception was dropped where it landed."""
        if self._received is not None:
            raise self._received()


SIGNALS = Signals()
