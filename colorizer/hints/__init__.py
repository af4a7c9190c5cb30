"""Colours a user knows: strokes read into the model's hint map, spread through their regions; a simulated user."""
