"""Choose between variants of a compression config on held-out training images, never on the test set.

    export DEEPCOMP_DATA=/work/shared/data DEEPCOMP_THREADS=1
    python bench/select_recipe.py configs/reports/lenet300_dc.toml --seeds 0 1 \\
        --variant "as configured:" \\
        --variant "retrain 16 epochs: passes.retrain.training.max_epochs=16" \\
        --variant "distill 0.9: passes.retrain.training.distill=0.9 passes.train_quantized.distill=0.9"

Every run validates on `--holdout` training images (default 10,000) that it does not train on (`data.holdout`), so the
test set stays untouched until the chosen config is run. Variants of one seed share the dense baseline of the first
variant (trained once, on the remaining training images). Prints and saves (nbs/reports/results/selection_<name>.csv)
per variant and seed: held-out accuracy of the baseline and of the model loaded from the compressed file, the accuracy
drop in points, the file size and the compression ratio.
"""
import argparse, sys, time
from pathlib import Path
import pandas as pd
from deepcomp.pipeline import compress

ROOT = Path(__file__).resolve().parents[1]
p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
p.add_argument('config')
p.add_argument('--variant', action='append', required=True, help='"name: key=value key=value" (overrides as for --set)')
p.add_argument('--seeds', nargs='+', type=int, default=[0])
p.add_argument('--holdout', type=int, default=10_000)
p.add_argument('--out', default='runs/select')
p.add_argument('--name', default=None, help='results file: nbs/reports/results/selection_<name>.csv (default: the config name)')
a = p.parse_args()

name = Path(a.config).stem
rows = []
for seed in a.seeds:
    base = None
    for i, v in enumerate(a.variant):
        label, _, sets = v.partition(':')
        sets = [f'seed={seed}', f'data.holdout={a.holdout}'] + sets.split()
        if base and not any(s.startswith('baseline=') for s in sets): sets.append(f'baseline={base}')  # a variant's own baseline wins
        out = ROOT/a.out/f'{name}_s{seed}_v{i}'; t = time.time()
        rep = compress(a.config, out, sets, quiet=True)
        if base is None: base = out/rep['passes'][0]['dir']/'model.pth'
        h = rep['headline']
        rows.append(dict(config=a.config, variant=label.strip(), seed=seed, overrides=' '.join(sets[2:]), holdout=a.holdout,
                         baseline_acc=h['baseline_accuracy'], file_acc=h['accuracy'], drop_pts=100*(h['baseline_accuracy'] - h['accuracy']),
                         file_bytes=h['file_bytes'], ratio=h['ratio'], seconds=round(time.time() - t, 1)))
        print(pd.DataFrame(rows[-1:]).drop(columns=['config', 'overrides']).to_string(index=False, header=len(rows) == 1), flush=True)
df = pd.DataFrame(rows)
res = ROOT/'nbs'/'reports'/'results'; res.mkdir(parents=True, exist_ok=True)
df.to_csv(res/f'selection_{a.name or name}.csv', index=False)
print('\n', df.groupby('variant', sort=False)[['drop_pts', 'ratio']].agg(['mean', 'std']).round(3).to_string())
