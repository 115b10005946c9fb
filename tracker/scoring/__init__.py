"""Scoring: pure, vectorised scoring of forecasts (metrics.py) and the rules for which forecasts count (compute.py)."""

#: The version of the scoring formulas (compute.py, metrics.py), recorded with every scoring run: `tracker verify`
#: holds a run of this version to a recomputation from the events, and read commands mark the figures of runs of
#: another version unproven. Raise it whenever a stored figure would come out differently.
SCORING_VERSION = 1
