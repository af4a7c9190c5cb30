"""Checks against the project's real data in ../shared/data (CI has it; a user's clone does not)."""

import csv
from pathlib import Path

import pytest

from colorizer.train import dataset

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
LANDSCAPES = SHARED / "train" / "landscapes"

pytestmark = pytest.mark.skipif(
    not LANDSCAPES.is_dir(), reason=f"needs the project's training photos in {LANDSCAPES} (present in CI, not in a user's clone)"
)


def test_hygiene_finds_what_the_manifest_marks():
    """The manifest's near_gray and md5_duplicate_of columns are a check on our own detection, not an input."""
    with open(SHARED / "train" / "landscapes.MANIFEST.tsv") as manifest:
        rows = list(csv.DictReader(manifest, delimiter="\t"))
    marked_gray = {row["filename"] for row in rows if row["near_gray"] == "1"}
    marked_duplicates = {frozenset((row["filename"], row["md5_duplicate_of"])) for row in rows if row["md5_duplicate_of"]}

    scan = dataset.scan_dataset(LANDSCAPES)

    found_gray = {path.name for path in scan.near_gray}
    dropped_as_duplicates = {path.name for path, _ in scan.duplicates}
    assert marked_gray - dropped_as_duplicates <= found_gray  # every near-gray photo (one is also a duplicate)
    assert len(found_gray - marked_gray) <= 25  # plus a few more almost-gray ones (mean chroma 1.5..2.0)
    assert {frozenset((a.name, b.name)) for a, b in scan.duplicates} == marked_duplicates
    assert scan.unreadable == []
    assert len(scan.train) + len(scan.validation) == len(rows) - len(marked_duplicates) - len(found_gray)
