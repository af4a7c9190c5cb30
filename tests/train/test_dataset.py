"""Data hygiene, the seeds' layouts, a stable split, augmentation, the feature cache."""

import numpy as np
import pytest

from colorizer.train import dataset
from colorizer.train.augmentation import Augmentation, sample_rng
from colorizer.train.feature_cache import FeatureCache

from conftest import colour_photo, write


@pytest.fixture
def messy_folder(tmp_path):
    root = tmp_path / "photos"
    for index in range(12):
        write(root / f"p{index:02d}.png", colour_photo(index))
    write(root / "nested" / "deeper" / "n.jpg", colour_photo(99))
    (root / "copy.png").write_bytes((root / "p03.png").read_bytes())  # exact duplicate
    gray = colour_photo(5)[..., :1].repeat(3, axis=2)
    write(root / "gray.png", gray)
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "notes.txt").write_text("ignored: not an image suffix")
    return root


def test_hygiene_finds_corrupt_gray_and_duplicate_files(messy_folder):
    scan = dataset.scan_dataset(messy_folder, validation_percent=20)
    names = lambda paths: sorted(p.name for p in paths)
    assert names(path for path, _ in scan.unreadable) == ["broken.jpg"]
    assert names(scan.near_gray) == ["gray.png"]
    assert [(a.name, b.name) for a, b in scan.duplicates] in ([("p03.png", "copy.png")], [("copy.png", "p03.png")])
    kept = names(photo.path for photo in scan.train + scan.validation)
    assert len(kept) == 13 and "n.jpg" in kept and "gray.png" not in kept
    assert "13 train" not in scan.summary() and "1 unreadable, 1 near-grayscale, 1 duplicates" in scan.summary()


def test_split_is_stable_when_photos_are_added(messy_folder):
    before = dataset.scan_dataset(messy_folder, validation_percent=30)
    for index in range(100, 120):
        write(messy_folder / f"new{index}.png", colour_photo(index))
    after = dataset.scan_dataset(messy_folder, validation_percent=30)
    side_before = {p.path.name: "val" for p in before.validation} | {p.path.name: "train" for p in before.train}
    side_after = {p.path.name: "val" for p in after.validation} | {p.path.name: "train" for p in after.train}
    assert all(side_after[name] == side for name, side in side_before.items())
    assert 0 < len(after.validation) < len(after.train)


def test_several_folders_are_scanned_as_one_set(messy_folder, tmp_path):
    other = tmp_path / "more"
    write(other / "x.png", colour_photo(200))
    (other / "again.png").write_bytes((messy_folder / "p01.png").read_bytes())  # a duplicate across folders
    scan = dataset.scan_dataset([messy_folder, other], validation_percent=20)
    kept = {photo.path.name for photo in scan.train + scan.validation}
    assert "x.png" in kept and len(kept) == 14
    assert [(a.name, b.name) for a, b in scan.duplicates if a.name == "again.png"] == [("again.png", "p01.png")]


def test_seed_layouts_use_the_colour_folder_only(tmp_path):
    for layout in (("landscape Images", "color", "gray"), ("dataset", "class 0", "class 1")):
        top, colour, gray = layout
        write(tmp_path / top / colour / "a.jpg", colour_photo(1))
        write(tmp_path / top / gray / "a.jpg", colour_photo(1)[..., :1].repeat(3, 2))
    found = sorted(str(p.relative_to(tmp_path)) for p in dataset.find_training_images(tmp_path))
    assert found == ["dataset/class 0/a.jpg", "landscape Images/color/a.jpg"]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="training data folder not found"):
        dataset.find_training_images(tmp_path / "nope")


def test_augmentation_shape_and_determinism():
    photo = colour_photo(7, size=64)
    augment = Augmentation()
    first = augment(photo, sample_rng(0, "ab" * 32, 0))
    again = augment(photo, sample_rng(0, "ab" * 32, 0))
    other = augment(photo, sample_rng(1, "ab" * 32, 0))
    assert first.ndim == 3 and first.shape[2] == 3 and first.dtype == np.uint8
    assert 16 <= min(first.shape[:2]) and max(first.shape[:2]) <= 64  # a crop at the photo's own resolution
    assert np.array_equal(first, again) and not (first.shape == other.shape and np.array_equal(first, other))
    # rotation never brings in empty (black) corners
    white = np.full((64, 64, 3), 255, np.uint8)
    for seed in range(10):
        assert augment(white, np.random.default_rng(seed)).min() > 200


def test_feature_cache_fills_in_chunks_and_resumes(tmp_path):
    class CountingEncoder:
        calls = 0

        def predict_on_batch(self, batch):
            CountingEncoder.calls += 1
            return {"block5_pool": np.repeat(batch.mean(axis=(1, 2, 3))[:, None, None, None], 4, axis=-1)}

    def make_batch(start, stop):
        lightness = np.stack([np.full((8, 8, 1), float(i)) for i in range(start, stop)])
        return lightness, np.full((stop - start, 8, 8, 2), 3.4)

    cache = FeatureCache(tmp_path / "c", samples=300, feature_shapes={"block5_pool": (1, 1, 4)}, size=8)
    cache.fill(make_batch, CountingEncoder(), batch_size=32)
    features, ab = cache.load()
    features = features["block5_pool"]
    assert features.dtype == np.float16 and ab.dtype == np.int8
    assert features[299, 0, 0, 0] == 299 and (ab == 3).all()
    calls = CountingEncoder.calls
    cache.fill(make_batch, CountingEncoder(), batch_size=32)  # complete: nothing recomputed
    assert CountingEncoder.calls == calls


def test_categories_come_from_a_manifest_beside_the_folder_or_the_folders_name(tmp_path):
    for index in range(6):
        write(tmp_path / "general" / f"g{index}.png", colour_photo(index))
        write(tmp_path / "landscapes" / f"l{index}.png", colour_photo(10 + index))
    (tmp_path / "general.MANIFEST.tsv").write_text(
        "file\tcategory\n" + "".join(f"g{i}.png\t{'food' if i < 2 else 'animal'}\n" for i in range(6))
    )
    scan = dataset.scan_dataset([tmp_path / "general", tmp_path / "landscapes"], validation_percent=50)
    groups = dataset.by_category(scan.train + scan.validation, [tmp_path / "general", tmp_path / "landscapes"])
    assert {name: len(paths) for name, paths in groups.items()} == {"animal": 4, "food": 2, "landscapes": 6}
    assert dataset.manifest_categories(tmp_path / "landscapes") == {}  # no manifest: not needed to train
