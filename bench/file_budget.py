"""The file size of a config at several total sparsities, measured before any retraining: what a size target allows.

    export DEEPCOMP_DATA=/work/shared/data DEEPCOMP_THREADS=1
    python bench/file_budget.py configs/reports/vgg7_cifar10_sensitivity.toml \\
        --baseline runs/reports/vgg7_cifar10_origin_s0/0_baseline/model.pth \\
        --sensitivity nbs/reports/results/sensitivity_vgg7_cifar10.csv --sparsity 0.78 0.80 0.82 0.85

For each total sparsity, `deepcomp.pipeline.file_budget` spreads it over the layers with `allocate` from the sensitivity
curves (made by bench/sensitivity.py on training images) and runs the config's passes on the dense checkpoint with every
training epoch set to 0: prune to the allocated masks, share weights, write the compressed file. The file's bytes and
the ratio to the fp32 parameters are what the retrained model would have up to the change of its weight values, which
moves the Huffman code lengths a little (compare with a finished run of the same allocation). Validation uses `--holdout` held-out training
images (`data.holdout`), so the test set is never read; no accuracy is reported (the baseline has seen those images).
Saves nbs/reports/results/file_budget_<name>.csv.
"""
import argparse
from pathlib import Path
import pandas as pd
from deepcomp.pipeline import file_budget

ROOT = Path(__file__).resolve().parents[1]
p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
p.add_argument('config'); p.add_argument('--baseline', required=True, help='dense checkpoint (model.pth)')
p.add_argument('--sensitivity', required=True, help='curves from bench/sensitivity.py (CSV)')
p.add_argument('--sparsity', type=float, nargs='+', required=True, help='total sparsities to allocate and measure')
p.add_argument('--holdout', type=int, default=2000, help='training images to validate on (the test set is not read)')
p.add_argument('--out', default='runs/file_budget'); p.add_argument('--name', default=None, help='results file: file_budget_<name>.csv')
a = p.parse_args()

fb = file_budget(a.config, a.baseline, pd.read_csv(a.sensitivity), a.sparsity, ROOT/a.out/Path(a.config).stem, a.holdout)
print(fb.drop(columns='overrides').to_string(index=False))
res = ROOT/'nbs'/'reports'/'results'; res.mkdir(parents=True, exist_ok=True)
fb.to_csv(res/f'file_budget_{a.name or Path(a.config).stem}.csv', index=False)
