"""Pixels and colour, no model: CIE Lab, reading and writing photos, resizing, the image processor, what viewers notice."""
