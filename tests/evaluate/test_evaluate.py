"""The evaluation's metrics and outputs."""

import json

import numpy as np
import pytest
from PIL import Image

from colorizer.cli.evaluate import main
from colorizer.evaluate import evaluation, measures
from colorizer.hints.simulated import simulated_user_hints

from conftest import colour_photo, write


def test_metrics_of_known_images():
    photo = colour_photo(4, size=64)
    same = measures.image_measures(photo, photo)
    assert same["psnr"] == float("inf") and same["ssim"] == pytest.approx(1.0) and same["ciede2000"] == pytest.approx(0.0, abs=1e-4)
    assert same["delta_cf"] == 0
    gray = np.repeat(photo.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    assert measures.colourfulness(gray) == pytest.approx(0.0, abs=1e-9)
    assert measures.colourfulness(photo) > 10
    off_by_one = np.clip(photo.astype(int) + 1, 0, 255).astype(np.uint8)
    assert measures.psnr(photo, off_by_one) == pytest.approx(48.13, abs=0.3)


def test_evaluate_command_writes_json_table_and_sheet(tmp_path, tiny_weights):
    for set_name in ("setA", "setB"):
        for index in range(3):
            write(tmp_path / "sets" / set_name / f"{index}.png", colour_photo(index, size=40 + index))
    code = main(["--data", str(tmp_path / "sets"), "--model", f"tiny={tiny_weights}", "--output", str(tmp_path / "out"), "--sizes", "full", "32", "--examples", "2"])
    assert code == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert set(results) == {"full", "32"} and set(results["full"]) == {"setA", "setB"}
    table = results["full"]["setA"]
    assert table["gray baseline"]["cf"] < 1 and table["tiny"]["cf"] > table["gray baseline"]["cf"]
    assert table["truth"]["cf"] > 10
    sheet = Image.open(tmp_path / "out" / "contact_sheet.png")
    assert sheet.size == (200 * 3, 18 + 200 * 4)  # gray, tiny, truth x 2 sets x 2 examples
    assert "| gray baseline |" in (tmp_path / "out" / "results.md").read_text()


def test_held_out_photos_of_training_folders_are_measured_per_category(tmp_path, tiny_weights):
    for index in range(40):
        write(tmp_path / "general" / f"g{index}.png", colour_photo(index, size=36))
    (tmp_path / "general.MANIFEST.tsv").write_text("file\tcategory\n" + "".join(f"g{i}.png\t{'food' if i % 2 else 'animal'}\n" for i in range(40)))
    code = main(["--held-out", str(tmp_path / "general"), "--model", f"tiny={tiny_weights}", "--output", str(tmp_path / "out"), "--sizes", "full"])
    assert code == 0
    tables = json.loads((tmp_path / "out" / "results.json").read_text())["full"]
    categories = {name: table["_photos"] for name, table in tables.items() if name != "all categories"}
    assert set(categories) <= {"food", "animal"} and sum(categories.values()) == tables["all categories"]["_photos"] > 0
    assert "**all categories**" in (tmp_path / "out" / "results.md").read_text()


def test_the_hint_curve_has_a_row_per_count_for_every_model(tmp_path, tiny_weights):
    from colorizer import Colorizer, ModelConfig

    hinted = Colorizer.untrained(ModelConfig(input_size=32, encoder_weights=None, decoder="unet", hints=True))
    hinted.save(tmp_path / "hinted")
    for index in range(2):
        write(tmp_path / "sets" / "setA" / f"{index}.png", colour_photo(index, size=48))
    arguments = ["--data", str(tmp_path / "sets"), "--model", f"tiny={tiny_weights}", f"hinted={tmp_path / 'hinted'}",
                 "--sizes", "full", "--hints", "0", "3", "--examples", "1"]
    assert main([*arguments, "--output", str(tmp_path / "out")]) == 0
    table = json.loads((tmp_path / "out" / "results.json").read_text())["full"]["setA"]
    assert [row for row in table if row not in ("_photos", "truth")] == [
        "gray baseline", "tiny, 0 hints", "tiny, 3 hints", "hinted, 0 hints", "hinted, 3 hints"
    ]
    assert table["hinted, 3 hints"] != table["hinted, 0 hints"]
    assert table["tiny, 3 hints"]["ciede2000"] < table["tiny, 0 hints"]["ciede2000"]  # the truth's colours, spread
    truth_ab = np.random.default_rng(0).normal(0, 20, (48, 48, 2)).astype(np.float32)
    first, again, other = (simulated_user_hints(truth_ab, 3, evaluation._photo_rng(path, 3)) for path in ("a/0.png", "b/0.png", "1.png"))
    assert np.array_equal(first.x, again.x) and np.array_equal(first.ab, again.ab)  # the same user for a photo, every run
    assert not np.array_equal(first.x, other.x)
