"""Verbal probability scales: data files verbal-<N>.yaml, read by tracker.domain.verbal."""
