"""Colorizers measured against the truth: per-photo measures, sets of photos, tables and contact sheets."""
