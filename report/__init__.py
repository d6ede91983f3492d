"""Figures, rendering and the command line of cnn-report."""
