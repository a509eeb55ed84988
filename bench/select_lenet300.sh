#!/bin/bash
# The rounds of held-out selection behind configs/reports/lenet300_dc.toml (report 1); results in
# nbs/reports/results/selection_lenet300_dc_round{1,2,3}.csv. One core, about 45 minutes for rounds 1-2, about an hour for round 3.
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
# Round 3 (this config, three seeds): distillation during the pruning rounds, longer rounds, longer retraining, a denser fc3
python bench/select_recipe.py $C --seeds 0 1 2 --out runs/select3 --name lenet300_dc_round3 \
  --variant "as configured:" \
  --variant "distillation in the pruning rounds: passes.prune.weight.distill=0.9" \
  --variant "3 epochs per pruning round: passes.prune.weight.epochs_per_round=3" \
  --variant "retrain 16 epochs: passes.retrain.training.max_epochs=16" \
  --variant "fc3 60% pruned: passes.prune.weight.overrides.5=0.6"
