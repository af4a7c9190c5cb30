"""Training: photos scanned and split, augmented, their features cached; fitting, losses, checkpoints, the model card."""
