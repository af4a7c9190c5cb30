#!/bin/bash
# Issue 35: the decoder trained the same way with and without the ImageNet classifier's features, then measured.
#
#   bash scripts/classifier_comparison.sh [MAX_PHOTOS [EPOCHS [OUTPUT_FOLDER]]]   (defaults: 2500, 5, runs/classifier)
#
# The shipped recipe's first step (the decoder alone on the frozen VGG16, 5e-4), on the same photos, epochs and seed:
# without a classifier, with EfficientNet-Lite0's pooled vector (global), and with its maps too (global+maps).
# The VGG16 features are cached once and shared; the classifier's are cached apart. Interrupted, run it again:
# a finished run is skipped and an unfinished one resumes. Then colorizer-eval measures the three on the test sets.
set -euo pipefail
photos=${1:-2500}
epochs=${2:-5}
out=${3:-runs/classifier}
data=../shared/data/train
mkdir -p "$out"

step() {  # step NAME OPTIONS...: skipped once NAME holds a weights folder
    local name=$1; shift
    if [ -f "$out/$name/config.json" ]; then echo "== $out/$name is done"; return; fi
    colorizer-train --data "$data/general" "$data/landscapes" "$data/flowers" --output "$out/$name" --resume \
        --max-photos "$photos" --epochs "$epochs" --learning-rate 5e-4 "$@"
}

step without
step lite0-global --classifier lite0 --classifier-fusion global
step lite0-maps --classifier lite0 --classifier-fusion global+maps
colorizer-eval --data ../shared/data/test --output "$out/evaluation" \
    --model "without=$out/without" "lite0-global=$out/lite0-global" "lite0-maps=$out/lite0-maps"
