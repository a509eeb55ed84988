"""Per-layer pruning sensitivity of a trained model, measured on training images, and the per-layer sparsities it implies.

    export DEEPCOMP_DATA=/work/shared/data DEEPCOMP_THREADS=1
    python bench/sensitivity.py configs/reports/vgg7_cifar10_dc.toml \\
        --baseline runs/reports/vgg7_cifar10_origin_s0/0_baseline/model.pth --images 2000 --sparsity 0.85

Loads the dense checkpoint of the config's model, prunes one layer at a time (elementwise L1 unless `--granularity` /
`--criterion` say otherwise) to each of `--grid`, and measures the accuracy on `--images` seeded training images without
augmentation (the test set is never used). `deepcomp.prune.schedule.allocate` then gives every layer the highest
sparsity within one common accuracy drop such that `--sparsity` of all the weights go. Saves the curves to
nbs/reports/results/sensitivity_<name>.csv and prints the per-layer sparsities as TOML `overrides`.
"""
import argparse, os, time
from pathlib import Path
import torch
from deepcomp.train import read_config, dls_from_config, model_from_config, load_state
from deepcomp.prune.schedule import sensitivity, allocate

ROOT = Path(__file__).resolve().parents[1]
GRID = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.97, 0.98, 0.99]
p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
p.add_argument('config'); p.add_argument('--baseline', required=True, help='dense checkpoint (model.pth)')
p.add_argument('--images', type=int, default=2000, help='training images to measure on')
p.add_argument('--sparsity', type=float, required=True, help='total sparsity to allocate')
p.add_argument('--grid', type=float, nargs='+', default=GRID)
p.add_argument('--granularity', default='element'); p.add_argument('--criterion', default='l1')
p.add_argument('--name', default=None, help='results file: nbs/reports/results/sensitivity_<name>.csv (default: the config name)')
a = p.parse_args()

torch.set_num_threads(int(os.environ.get('DEEPCOMP_THREADS', 1)))
cfg = read_config(a.config, ['data.augment=false', f'data.n_train={a.images}'])
dls = dls_from_config(cfg)
model = load_state(model_from_config(cfg, dls), a.baseline)
dl = dls.train.new(shuffle=False, drop_last=False)
t = time.time()
sens = sensitivity(model, dl, a.grid, granularity=a.granularity, criterion=a.criterion)
over = allocate(sens, a.sparsity)
name = a.name or Path(a.config).stem
res = ROOT/'nbs'/'reports'/'results'; res.mkdir(parents=True, exist_ok=True)
sens.to_csv(res/f'sensitivity_{name}.csv', index=False)
print(sens.pivot(index='layer', columns='target', values='accuracy').loc[list(over.index)].round(3).to_string())
print(f"\n{a.images} training images, {time.time() - t:.0f} s; tolerance {over.attrs['tolerance']:.4f}, total sparsity {over.attrs['total']:.4f}")
print('overrides = { ' + ', '.join(f'"{k}" = {round(v, 3):g}' for k, v in over.items()) + ' }')
