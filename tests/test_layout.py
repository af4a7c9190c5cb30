"""The package's rooms: low rooms never import high ones, nothing imports in a circle, no module grows past a screenful or so.

Read from the source (ast), without importing anything: a new import that points the wrong way fails here first.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "colorizer"
# Lowest first: a module may import its own room and the rooms before it.
ROOMS = (
    ("config", "files", "progress", "resources"),  # settings and file helpers every room uses
    ("colour",),
    ("hints",),
    ("model",),
    ("pipeline",),
    ("video",),
    ("evaluate",),
    ("train",),
    ("cluster", "cluster_head", "ray_logs"),
    ("app",),
    ("cli", "__main__"),
)
UPWARD_ALLOWED = {("colorizer.pipeline", "colorizer.video.film")}  # Colorizer.colorize_video, imported when called
MAX_LINES = 310


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name):
    relative = Path(*name.split(".")[1:]) if "." in name else Path()
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def imports_of(path):
    """[(imported colorizer module, at module level?)] of one source file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "colorizer":
                continue
            for alias in node.names:
                child = f"{source}.{alias.name}"
                found.append((child if is_module(child) else source, id(node) in top_level))
        elif isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names if alias.name.split(".")[0] == "colorizer"]
    return found


def room_of(module):
    parts = module.split(".")
    if len(parts) == 1:
        return None  # the package's public face (colorizer/__init__.py) stands apart
    for level, rooms in enumerate(ROOMS):
        if parts[1] in rooms:
            return level
    raise AssertionError(f"{module} belongs to no room: add it to ROOMS in {Path(__file__).name}")


def graph():
    return {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_no_room_imports_a_higher_one():
    upward = [
        f"{module} -> {imported}"
        for module, imports in graph().items()
        for imported, _ in imports
        if room_of(module) is not None and room_of(imported) is not None and room_of(imported) > room_of(module)
        and (module, imported) not in UPWARD_ALLOWED
    ]
    assert not upward, "imports that point up: " + ", ".join(upward)


def test_the_one_upward_import_is_made_when_called():
    edges = {(module, imported): top for module, imports in graph().items() for imported, top in imports}
    for edge in UPWARD_ALLOWED:
        assert edges.get(edge) is False, f"{edge} should be imported inside the function that needs it"


def test_no_modules_import_each_other_in_a_circle():
    edges = {module: {imported for imported, _ in imports if imported != module} for module, imports in graph().items()}
    state, cycles = {}, []

    def visit(module, trail):
        state[module] = "open"
        for imported in sorted(edges.get(module, ())):
            if state.get(imported) == "open":
                cycles.append(" -> ".join(trail[trail.index(imported):] + [imported]))
            elif imported not in state:
                visit(imported, trail + [imported])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(cycles)


def test_the_layout_test_sees_the_imports_it_checks():
    edges = graph()
    assert ("colorizer.colour.images", True) in edges["colorizer.colour.processor"]
    assert ("colorizer.video.film", False) in edges["colorizer.pipeline"]  # a lazy one, inside colorize_video
    assert room_of("colorizer.cli.colorize") > room_of("colorizer.app.page") > room_of("colorizer.pipeline")


def test_no_module_is_much_over_a_screenful_or_two():
    long = {module_name(path): n for path in PACKAGE.rglob("*.py") if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


@pytest.mark.parametrize("module", ["colorizer.model", "colorizer.model.precision", "colorizer.model.hub", "colorizer.config"])
def test_the_model_room_and_the_settings_import_without_keras(module):
    code = f"import sys, {module}; print(sorted(name for name in ('keras', 'tensorflow') if name in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"


def test_the_readme_layout_names_every_room_and_module():
    readme = (PACKAGE.parent / "README.md").read_text()
    layout = readme[readme.index("## Layout"):]
    missing = [
        f"{path.parent.name}/{path.name}" if path.parent != PACKAGE else path.name
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.name.startswith("__") and f"`{path.name}`" not in layout and f"`{path.parent.name}/{path.name}`" not in layout
    ]
    folders = [f"`{folder.name}/`" for folder in PACKAGE.iterdir() if (folder / "__init__.py").is_file() and f"`{folder.name}/`" not in layout]
    assert not missing and not folders, f"README's Layout does not name: {missing + folders}"
