"""Data loading, exploratory analysis, models and experiments for cnn-report."""
