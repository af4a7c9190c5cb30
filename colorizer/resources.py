"""Where the shipped model and the example photos are.

`pip install` copies the repository's `weights/` and `examples/` into the package as
`colorizer/shipped_weights` and `colorizer/examples` (pyproject.toml's `package-dir`).
Run from a source checkout (development, or the Hugging Face Space, which runs `app.py`
without installing), the same mapping in pyproject.toml names the folders. Either can be
overridden with an environment variable.
"""

import os
import tomllib
from pathlib import Path

SHIPPED_WEIGHTS = "colorizer.shipped_weights"
EXAMPLES = "colorizer.examples"
OVERRIDES = {SHIPPED_WEIGHTS: "COLORIZER_SHIPPED_WEIGHTS", EXAMPLES: "COLORIZER_EXAMPLES"}
PACKAGE_ROOT = Path(__file__).resolve().parent
DISTRIBUTION = "photo-colorizer"  # the name pip knows this project by (on PyPI, "colorizer" is another project)


def shipped_weights() -> Path:
    """The weights folder of the shipped model."""
    return data_folder(SHIPPED_WEIGHTS)


def example_photos() -> list[Path]:
    """The app's example photos (black-and-white JPEGs), in name order."""
    return sorted(data_folder(EXAMPLES).glob("*.jpg"))


def data_folder(package: str) -> Path:
    """The folder behind a data package: the environment's override, the installed copy, or the checkout's."""
    override = os.environ.get(OVERRIDES[package])
    if override:
        return Path(override)
    installed = PACKAGE_ROOT / package.rpartition(".")[2]
    if installed.is_dir():
        return installed
    checkout = _checkout_folder(package)
    if checkout is not None:
        return checkout
    raise FileNotFoundError(
        f"cannot find the {package} data: install the package (pip install .) or set {OVERRIDES[package]}"
    )


def _checkout_folder(package: str) -> Path | None:
    """In a source checkout: the folder pyproject.toml maps `package` to, if it is this project's."""
    pyproject = PACKAGE_ROOT.parent / "pyproject.toml"
    if not pyproject.is_file():
        return None
    settings = tomllib.loads(pyproject.read_text())
    if settings.get("project", {}).get("name") != DISTRIBUTION:
        return None
    folder = settings.get("tool", {}).get("setuptools", {}).get("package-dir", {}).get(package)
    return PACKAGE_ROOT.parent / folder if folder else None

