"""Scoring: pure, vectorised scoring of forecasts (metrics.py) and the rules for which forecasts count (compute.py)."""
