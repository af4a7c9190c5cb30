#!/bin/bash
# The shipped model's recipe: three training runs, each starting from the one before.
#
#   bash scripts/train_shipped_model.sh [DATA_FOLDER [OUTPUT_FOLDER]]   (defaults: ../shared/data/train, runs/shipped-recipe)
#
# 1. the decoder alone on the frozen VGG16 (10 epochs at 5e-4): it fills the feature cache (~10 GB in cache/);
# 2. VGG16's block 5 fine-tuned with it (2 epochs at 1e-4, the best kept);
# 3. blocks 4 and 5 fine-tuned with it (2 epochs at 5e-5; EPOCHS_BLOCKS_4_5 to change), on the same cached features.
# Interrupted, run it again: a finished step is skipped and an unfinished one resumes from its last epoch.
# Then `python scripts/ship_model.py OUTPUT_FOLDER/blocks-4-5` makes the last one the shipped model.
# TRAIN_OPTIONS are added to every run (a quick try of the chain: TRAIN_OPTIONS="--max-photos 40 --epochs 1").
set -euo pipefail
data=${1:-../shared/data/train}
out=${2:-runs/shipped-recipe}
folders=("$data/general" "$data/landscapes" "$data/flowers")
train=${COLORIZER_TRAIN:-colorizer-train}

step() {  # step NAME OPTIONS...: skipped once NAME holds a weights folder
    local name=$1; shift
    if [ -f "$out/$name/config.json" ]; then echo "== $out/$name is done"; return; fi
    # shellcheck disable=SC2086  # TRAIN_OPTIONS is a list of options
    $train --data "${folders[@]}" --output "$out/$name" --resume "$@" ${TRAIN_OPTIONS:-}
}

step decoder --epochs 10 --learning-rate 5e-4
step block-5 --start-from "$out/decoder" --encoder-trainable 1 --epochs 2 --learning-rate 1e-4
step blocks-4-5 --start-from "$out/block-5" --encoder-trainable 2 --epochs "${EPOCHS_BLOCKS_4_5:-2}" --learning-rate 5e-5
