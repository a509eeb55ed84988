"""Accuracy and effective FLOPs vs activation sparsity, for every activation pruning method, with and without a short fine-tuning.

    DEEPCOMP_DATA=/work/shared/data python bench/act_train.py            # once: baselines in runs/act/ (~5 min, 1 thread)
    DEEPCOMP_DATA=/work/shared/data python bench/act_sweep.py vgg7 lenet5 # writes nbs/reports/results/activation_<model>.csv
    DEEPCOMP_DATA=/work/shared/data python bench/act_sweep.py --layers vgg7 lenet5  # per-layer FLOPs at sparsity 0.5
"""
import sys, time, copy, json
from pathlib import Path
import torch, pandas as pd
from fastai.torch_core import set_seed
from deepcomp.core import set_threads
from deepcomp.data import get_dls
from deepcomp.models import create_model
from deepcomp.train import make_learner, fit, load_state, CPUBF16
from deepcomp.metrics import accuracy
from deepcomp.prune.activation import prune_activations, effective_flops
sys.path.insert(0, str(Path(__file__).parent))
from act_train import SETUPS

METHODS = ['neurons', 'neurons-nonzero', 'random-neurons', 'feature-map-l1', 'feature-map-l2', 'feature-map-mean', 'apoz',
           'feature-map-similarity', 'random']
SPARSITIES = [0.1, 0.25, 0.5, 0.75, 0.9]
FT_SPARSITIES = [0.25, 0.5, 0.75]
FT = {'vgg7': dict(n_train=4000, epochs=1, lr=1e-3), 'lenet5': dict(n_train=10000, epochs=1, lr=1e-3)}  # short fine-tuning

def run(name, out='nbs/reports/results'):
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
    for method in METHODS:
        for s in SPARSITIES:
            t0 = time.time(); set_seed(0)
            model = copy.deepcopy(base)
            prune_activations(model, s, method, dls, seed=0, n_batches=4)
            record(model, method, s, False, t0)
            if s in FT_SPARSITIES:
                t0 = time.time()
                learn = make_learner(model, ft_dls, cbs=CPUBF16())
                fit(learn, FT[name]['epochs'], FT[name]['lr'], seed=0, quiet=True)
                model.to(memory_format=torch.contiguous_format)
                record(model, method, s, True, t0)
    df = pd.DataFrame(rows)
    Path(out).mkdir(parents=True, exist_ok=True); df.to_csv(f'{out}/activation_{name}.csv', index=False)
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
    else:
        for n in args or ['lenet5', 'vgg7']: run(n)
