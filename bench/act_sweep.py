"""Accuracy and effective FLOPs vs activation sparsity, for every activation pruning method, with and without a short fine-tuning.

    DEEPCOMP_DATA=/work/shared/data python bench/act_train.py            # once: baselines in runs/act/ (~5 min, 1 thread)
    DEEPCOMP_DATA=/work/shared/data python bench/act_sweep.py vgg7 lenet5 # writes nbs/reports/results/activation_<model>.csv
    DEEPCOMP_DATA=/work/shared/data python bench/act_sweep.py --layers vgg7 lenet5  # per-layer FLOPs at sparsity 0.5
    # or split a sweep over processes, then join the parts:
    python bench/act_sweep.py vgg7 --methods neurons,apoz --tag .1 & python bench/act_sweep.py vgg7 --methods random --tag .2; wait
    python bench/act_sweep.py --merge vgg7
    # static methods with BatchNorm statistics re-estimated after pruning (no fine-tuning) -> activation_vgg7_bn.csv
    python bench/act_sweep.py vgg7 --methods random-neurons,feature-map-l1,feature-map-l2,apoz,feature-map-similarity,random --tag '' --bn
"""
import sys, time, copy, json
from pathlib import Path
import torch, pandas as pd
from fastai.torch_core import set_seed
from deepcomp.core import set_threads
from deepcomp.data import get_dls
from deepcomp.models import create_model
from deepcomp.train import make_learner, fit, load_state, train_callbacks
from deepcomp.metrics import accuracy
from deepcomp.prune.activation import prune_activations, effective_flops, recalibrate_bn
sys.path.insert(0, str(Path(__file__).parent))
from act_train import SETUPS

METHODS = ['neurons', 'neurons-nonzero', 'random-neurons', 'feature-map-l1', 'feature-map-l2', 'feature-map-mean', 'apoz',
           'feature-map-similarity', 'random']
SPARSITIES = [0.1, 0.25, 0.5, 0.75, 0.9]
# short fine-tuning: 1 epoch on other training images, at a few sparsities
FT = {'vgg7': dict(n_train=2000, epochs=1, lr=1e-3, sparsities=[0.5, 0.75]),
      'lenet5': dict(n_train=10000, epochs=1, lr=1e-3, sparsities=[0.25, 0.5, 0.75])}
# on non-negative inputs (every pruned input of VGG7 follows a ReLU) feature-map-mean ranks exactly as feature-map-l1
SKIP = {'vgg7': ['feature-map-mean']}

def run(name, methods=None, tag='', bn=False, out='nbs/reports/results'):
    "Sweep methods x sparsities; with `bn`, recalibrate BatchNorm statistics after pruning instead of fine-tuning"
    ds, dkw, arch, mkw, *_ = SETUPS[name]
    dls = get_dls(ds, seed=0, **dkw)
    ft_dls = get_dls(ds, seed=1, bs=dkw['bs'], n_train=FT[name]['n_train'], n_test=dkw['n_test'])
    base = create_model(arch, in_channels=dls.info['shape'][0], img_size=dls.info['shape'][1], **mkw)
    load_state(base, f'runs/act/{name}.pth')
    rows = []
    def record(model, method, s, ft, t0):
        ef = effective_flops(model, dls.valid, n_batches=1).loc['total']
        rows.append(dict(model=name, method=method, sparsity=s, fine_tuned=ft, accuracy=accuracy(model, dls.valid),
                         dense_flops=ef.dense_flops, effective_flops=ef.effective_flops, natural_zeros=ef.natural_zeros,
                         pruned_zeros=ef.pruned_zeros, saved_natural=ef.saved_natural, saved_pruned=ef.saved_pruned,
                         seconds=round(time.time() - t0, 1)))
        print(rows[-1], flush=True)
    record(base, 'none', 0.0, False, time.time())
    def save():
        Path(out).mkdir(parents=True, exist_ok=True); pd.DataFrame(rows).to_csv(f'{out}/activation_{name}{"_bn" if bn else ""}{tag}.csv', index=False)
    for method in methods or [m for m in METHODS if m not in SKIP.get(name, [])]:
        for s in SPARSITIES:
            t0 = time.time(); set_seed(0)
            model = copy.deepcopy(base)
            prune_activations(model, s, method, dls, seed=0, n_batches=4)
            if bn: recalibrate_bn(model, dls, n_batches=8)
            record(model, method, s, False, t0)
            if s in FT[name]['sparsities'] and not bn:
                t0 = time.time()
                learn = make_learner(model, ft_dls, cbs=train_callbacks({'bf16': 'auto'}, {}, None))  # bf16 where the CPU has it natively
                fit(learn, FT[name]['epochs'], FT[name]['lr'], seed=0, quiet=True)
                model.to(memory_format=torch.contiguous_format)
                record(model, method, s, True, t0)
            save()
    save()
    return pd.DataFrame(rows)

def merge(name, out='nbs/reports/results'):
    "Join the parts of a sweep run in several processes (`--methods ... --tag .N`) into `activation_<name>.csv`"
    parts = sorted(Path(out).glob(f'activation_{name}.*.csv'))
    df = pd.concat([pd.read_csv(p) for p in parts]).drop_duplicates(['method', 'sparsity', 'fine_tuned'])
    df.to_csv(f'{out}/activation_{name}.csv', index=False)
    for p in parts: p.unlink()
    return df

def layers(name, s=0.5, methods=('none', 'neurons', 'neurons-nonzero', 'feature-map-l1'), out='nbs/reports/results'):
    "Per-layer effective FLOPs of the baseline pruned at sparsity `s` by a few methods (no fine-tuning)"
    ds, dkw, arch, mkw, *_ = SETUPS[name]
    dls = get_dls(ds, seed=0, **dkw)
    base = create_model(arch, in_channels=dls.info['shape'][0], img_size=dls.info['shape'][1], **mkw)
    load_state(base, f'runs/act/{name}.pth'); dfs = []
    for method in methods:
        set_seed(0); model = copy.deepcopy(base)
        if method != 'none': prune_activations(model, s, method, dls, seed=0, n_batches=4)
        dfs.append(effective_flops(model, dls.valid, n_batches=2).reset_index().assign(model=name, method=method, sparsity=s if method != 'none' else 0.))
    df = pd.concat(dfs); df.to_csv(f'{out}/activation_{name}_layers.csv', index=False)
    return df

if __name__ == '__main__':
    set_threads(1)
    args = sys.argv[1:]
    if args and args[0] == '--layers':
        for n in args[1:] or ['vgg7', 'lenet5']: layers(n)
    elif args and args[0] == '--merge': merge(args[1])
    elif '--methods' in args:  # one part of a sweep: NAME --methods m1,m2 --tag .1
        run(args[0], args[args.index('--methods') + 1].split(','), args[args.index('--tag') + 1], '--bn' in args)
    else:
        for n in args or ['lenet5', 'vgg7']: run(n)
