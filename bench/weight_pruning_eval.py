#!/usr/bin/env python
"""Accuracy after pruning and fine-tuning, against sparsity, for granularities, criteria and scopes.

    DEEPCOMP_DATA=/work/shared/data python bench/weight_pruning_eval.py --task mnist
    DEEPCOMP_DATA=/work/shared/data python bench/weight_pruning_eval.py --task cifar

Each task trains one dense baseline (seeded), then for every configuration: reload the baseline, prune it
one-shot with `prune_model`, measure test accuracy, fine-tune, measure again. Results go to
`nbs/reports/results/weight_pruning_<task>.csv` (one row per configuration, with the command and settings).
Parts of a grid can run in parallel with `--start`/`--limit`; the report reads all `weight_pruning_<task>*.csv`.
"""
import argparse, json, sys, time, itertools
from pathlib import Path
import pandas as pd, torch
from deepcomp.core import env_info, set_seed
from deepcomp.data import get_dls
from deepcomp.models import create_model
from deepcomp.train import make_learner, fit, train_callbacks
from deepcomp.metrics import accuracy
from deepcomp.prune.core import prune_model

def grid(task):
    "The configurations of a task: (granularity, criterion, scope, sparsity, options)"
    if task == 'mnist':
        rows = [('element', c, sc, s, {}) for c in ('l1', 'random', 'taylor') for sc in ('local', 'global') for s in (0.9, 0.95, 0.98)]
        rows += [('block', 'l1', sc, s, {'block': [4, 4]}) for sc in ('local', 'global') for s in (0.9, 0.95)]
        rows += [('filter', c, 'local', s, {'skip': ['last']}) for c in ('l1', 'l2', 'l2_multi', 'random', 'taylor') for s in (0.5, 0.8)]
        rows += [('filter', c, 'global', s, {'skip': ['last']}) for c in ('l1', 'taylor') for s in (0.5, 0.8)]
        rows += [('channel_in', 'l1', sc, s, {}) for sc in ('local', 'global') for s in (0.5, 0.8)]
        rows += [('nm', 'l1', 'local', 1 - n/m, {'n': n, 'm': m}) for n, m in ((2, 4), (1, 4))]
        return rows
    rows = [('element', 'l1', sc, s, {}) for s in (0.8, 0.9) for sc in ('local', 'global')]
    rows += [('filter', c, 'local', 0.5, {'skip': ['last']}) for c in ('l1', 'l2_multi', 'random', 'taylor')]
    rows += [('kernel', 'l1', sc, 0.5, {}) for sc in ('local', 'global')]
    rows += [('filter', 'l1', 'global', 0.5, {'skip': ['last']}), ('nm', 'l1', 'local', 0.5, {'n': 2, 'm': 4, 'skip': ['first']})]
    rows += [('element', 'random', 'local', 0.8, {}), ('element', 'taylor', 'global', 0.9, {})]
    return rows

SETTINGS = {'mnist': dict(dataset='mnist', model='lenet300', model_kw={}, bs=128, n_train=None, n_test=None,
                          base_epochs=8, base_lr=3e-3, ft_epochs=1, ft_lr=1e-3, bf16=False),
            'cifar': dict(dataset='cifar10', model='vgg7', model_kw=dict(width=0.25), bs=128, n_train=4000, n_test=2000,
                          base_epochs=6, base_lr=3e-3, ft_epochs=1, ft_lr=1e-3, bf16=True)}

def run(task, out, seed=42, limit=None, smoke=False, start=0):
    st = SETTINGS[task]; torch.set_num_threads(1)
    if smoke: st = dict(st, dataset='mnist_sample' if task == 'mnist' else st['dataset'], n_train=256 if task == 'cifar' else None,
                        n_test=256 if task == 'cifar' else None, base_epochs=1)
    dls = get_dls(st['dataset'], bs=st['bs'], n_train=st['n_train'], n_test=st['n_test'], seed=seed)
    c, h, _ = dls.info['shape']
    new = lambda: create_model(st['model'], in_channels=c, img_size=h, **st['model_kw'])
    cbs = lambda: train_callbacks({'bf16': 'auto' if st['bf16'] else False}, {}, None)  # bf16 where the CPU has it natively
    set_seed(seed); base = new(); t = time.time()
    cache = Path('models')/f"weight_pruning_{task}{'_smoke' if smoke else ''}_seed{seed}.pth"  # the dense baseline, reused
    if cache.exists(): base.load_state_dict(torch.load(cache, weights_only=True))
    else:
        fit(make_learner(base, dls, cbs=cbs()), st['base_epochs'], st['base_lr'], seed=seed, quiet=True)
        cache.parent.mkdir(exist_ok=True); torch.save(base.state_dict(), cache)
    dense, state = accuracy(base, dls.valid), {k: v.clone() for k, v in base.state_dict().items()}
    print(f"{task}: dense {st['model']} {dense:.4f} after {time.time() - t:.0f} s", flush=True)
    rows, cmd = [], 'DEEPCOMP_DATA=/work/shared/data python ' + ' '.join(sys.argv)
    name = f'weight_pruning_{task}' + (f'_from{start}' if start else '')
    for g, crit, scope, s, kw in grid(task)[start:limit]:
        set_seed(seed); model = new(); model.load_state_dict(state); t = time.time()
        kw = dict(kw); skip = tuple(kw.pop('skip', ()))
        df = prune_model(model, s, g, crit, scope, dls=dls, seed=seed, skip=skip, **kw)
        pruned = accuracy(model, dls.valid)
        fit(make_learner(model, dls, cbs=cbs()), st['ft_epochs'], st['ft_lr'], seed=seed, quiet=True)
        n_all = sum(m.weight.numel() for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))
        rows.append(dict(task=task, model=st['model'], dataset=st['dataset'], granularity=g, criterion=crit, scope=scope,
                         options=json.dumps(kw | ({'skip': list(skip)} if skip else {})), target=s,
                         sparsity=df.loc['total', 'sparsity'], model_sparsity=df.loc['total', 'pruned_weights']/n_all,
                         dense_acc=dense, pruned_acc=pruned, retrained_acc=accuracy(model, dls.valid),
                         seconds=round(time.time() - t, 1), seed=seed))
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in rows[-1].items() if k not in ('task', 'model', 'dataset')}, flush=True)
        pd.DataFrame(rows).assign(command=cmd).to_csv(out/f'{name}.csv', index=False)
    (out/f'{name}.json').write_text(json.dumps(dict(settings=st, seed=seed, command=cmd, env=env_info()), indent=1))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--task', choices=['mnist', 'cifar', 'all'], default='all')
    p.add_argument('--out', default='nbs/reports/results'); p.add_argument('--seed', type=int, default=42)
    p.add_argument('--limit', type=int, default=None, help='stop before configuration N')
    p.add_argument('--start', type=int, default=0, help='start at configuration N (writes <name>_fromN.csv, to run parts in parallel)')
    p.add_argument('--smoke', action='store_true', help='tiny data and a 1-epoch baseline, to check the script')
    a = p.parse_args(); out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    for task in (['mnist', 'cifar'] if a.task == 'all' else [a.task]): run(task, out, a.seed, a.limit, a.smoke, a.start)
