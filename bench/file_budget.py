"""The file size of a config at several total sparsities, measured before any retraining: what a size target allows.

    export DEEPCOMP_DATA=/work/shared/data DEEPCOMP_THREADS=1
    python bench/file_budget.py configs/reports/vgg7_cifar10_sensitivity.toml \\
        --baseline runs/reports/vgg7_cifar10_origin_s0/0_baseline/model.pth \\
        --sensitivity nbs/reports/results/sensitivity_vgg7_cifar10.csv --sparsity 0.78 0.80 0.82 0.85

For each total sparsity, `deepcomp.prune.schedule.allocate` spreads it over the layers from the sensitivity curves (made
by bench/sensitivity.py on training images), and the config's passes run on the dense checkpoint with every training
epoch set to 0: prune to the allocated masks, share weights, write the compressed file. The file's bytes and the ratio to
the fp32 parameters are what the retrained model would have up to the change of its weight values, which moves the Huffman
code lengths a little (compare with a finished run of the same allocation). Validation uses 2,000 held-out training
images (`data.holdout`), so the test set is never read; no accuracy is reported (the baseline has seen those images).
Saves nbs/reports/results/file_budget_<name>.csv.
"""
import argparse, time
from pathlib import Path
import pandas as pd
from deepcomp.pipeline import compress
from deepcomp.prune.schedule import allocate

ROOT = Path(__file__).resolve().parents[1]
NO_TRAINING = ['passes.prune.weight.epochs_per_round=0', 'passes.retrain.training.max_epochs=0', 'passes.train_quantized.max_epochs=0']
p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
p.add_argument('config'); p.add_argument('--baseline', required=True, help='dense checkpoint (model.pth)')
p.add_argument('--sensitivity', required=True, help='curves from bench/sensitivity.py (CSV)')
p.add_argument('--sparsity', type=float, nargs='+', required=True, help='total sparsities to allocate and measure')
p.add_argument('--out', default='runs/file_budget'); p.add_argument('--name', default=None, help='results file: file_budget_<name>.csv')
a = p.parse_args()

sens, rows = pd.read_csv(a.sensitivity), []
for total in a.sparsity:
    over = allocate(sens, total); t = time.time()
    inline = '{' + ', '.join(f'"{k}" = {round(float(v), 6)!r}' for k, v in over.items()) + '}'
    sets = [f'baseline={a.baseline}', 'data.holdout=2000', f'passes.prune.weight.overrides={inline}', *NO_TRAINING]
    rep = compress(a.config, ROOT/a.out/f'{Path(a.config).stem}_{total:g}', sets, quiet=True)
    h = rep['headline']
    rows.append(dict(target=total, total_sparsity=round(over.attrs['total'], 4), tolerance=round(over.attrs['tolerance'], 4),
                     file_bytes=h['file_bytes'], ratio=h['ratio'], overrides=inline, seconds=round(time.time() - t, 1)))
    print(pd.DataFrame(rows[-1:]).drop(columns='overrides').to_string(index=False, header=len(rows) == 1), flush=True)
res = ROOT/'nbs'/'reports'/'results'; res.mkdir(parents=True, exist_ok=True)
pd.DataFrame(rows).to_csv(res/f'file_budget_{a.name or Path(a.config).stem}.csv', index=False)
