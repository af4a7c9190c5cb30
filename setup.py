"""The package list, which pyproject.toml cannot both find and map: every package under colorizer/, found, and the
data folders: the page's static files, and the shipped model and the example photos, mapped from the repository's
top level by pyproject.toml's package-dir."""

from setuptools import find_packages, setup

DATA_PACKAGES = ["colorizer.app.static", "colorizer.shipped_weights", "colorizer.examples"]

setup(packages=find_packages(include=["colorizer", "colorizer.*"]) + DATA_PACKAGES)
