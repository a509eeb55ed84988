#!/bin/bash
# The two rounds of held-out selection behind configs/reports/lenet300_dc.toml (report 1); results in
# nbs/reports/results/selection_lenet300_dc_round{1,2}.csv. One core, about 45 minutes in all.
# Round 1 ran on the config before the choice, whose retrain and train_quantized passes had distill = 0.5: its first
# variant ("as configured") states that here, so the script reproduces it on the config after the choice.
set -e
export DEEPCOMP_THREADS=${DEEPCOMP_THREADS:-1}
C=configs/reports/lenet300_dc.toml
python bench/select_recipe.py $C --seeds 0 1 --out runs/select --name lenet300_dc_round1 \
  --variant "as configured: passes.retrain.training.distill=0.5 passes.train_quantized.distill=0.5" \
  --variant "no distillation: passes.retrain.training.distill=0.0 passes.train_quantized.distill=0.0" \
  --variant "one-shot pruning, no distillation: passes.prune.weight.iterations=1 passes.retrain.training.distill=0.0 passes.train_quantized.distill=0.0" \
  --variant "distill 0.9: passes.retrain.training.distill=0.9 passes.train_quantized.distill=0.9" \
  --variant "retrain 16 epochs: passes.retrain.training.max_epochs=16" \
  --variant "retrain 16 epochs, distill 0.9: passes.retrain.training.max_epochs=16 passes.retrain.training.distill=0.9 passes.train_quantized.distill=0.9"
D="passes.retrain.training.distill=0.9 passes.train_quantized.distill=0.9"
python bench/select_recipe.py $C --seeds 0 1 --out runs/select2 --name lenet300_dc_round2 \
  --variant "distill 0.9: $D" \
  --variant "distill 1.0: passes.retrain.training.distill=1.0 passes.train_quantized.distill=1.0" \
  --variant "distill 0.9, 5 pruning rounds: $D passes.prune.weight.iterations=5" \
  --variant "distill 0.9, temperature 2: $D passes.retrain.training.temperature=2.0 passes.train_quantized.temperature=2.0" \
  --variant "distill 0.9, fc1 90% pruned, 4-bit fc codebooks: $D passes.prune.weight.overrides.1=0.90 passes.quantize.bits_fc=4"
