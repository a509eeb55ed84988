"""Quantization after pruning: Deep Compression's bit-width sweep on LeNet-300-100 and LeNet-5 (full MNIST), and the original
work's 8-bit/4-fractional-bit setting on a pruned VGG7 (width 0.25, CIFAR-10 subset), evaluated on the deployed weights.

    DEEPCOMP_DATA=/work/shared/data python bench/quant_sweep.py lenet300 lenet5 vgg7
writes nbs/reports/results/quantization_<part>.csv (and quantization_vgg7_layers.csv); one thread, seed 0.
The VGG7 dense baseline is the activation report's (bench/act_train.py, 10,000/2,000 CIFAR-10 images, 8 epochs), trained
first if runs/act/vgg7.pth is missing.
"""
import sys, time, copy
from pathlib import Path
import torch, pandas as pd
from torch import nn
from deepcomp.core import set_threads, env_info
from deepcomp.data import get_dls as _get_dls
import os
from deepcomp.models import create_model
from deepcomp.train import make_learner, fit, load_state, train_callbacks
from deepcomp.metrics import accuracy
from deepcomp.mask import get_mask
from deepcomp.prune.core import prune_model
from deepcomp.quant.core import quantize_model, quantize_fixed_, QuantCallback, quant_info, quant_table

SMOKE = bool(os.environ.get('QUANT_SMOKE'))  # a quick run on tiny subsets, to check the script
OUT = Path('/tmp/quant_smoke' if SMOKE else 'nbs/reports/results')

def get_dls(*args, **kw): return _get_dls(*args, **(kw | dict(n_train=512, n_test=256) if SMOKE else kw))
SEED = 0
# Deep Compression's per-layer pruning (fraction removed), Han et al. 2016, Tables 2 and 3
DC_PRUNE = {'lenet300': {'1': 0.92, '3': 0.91, '5': 0.74}, 'lenet5': {'0': 0.34, '2': 0.88, '5': 0.92, '7': 0.81}}

def check_deployed(m, bits_conv, bits_fc):
    "Pruned weights are zero and each layer has at most 2**bits non-zero values"
    for mod in m.modules():
        if not isinstance(mod, (nn.Conv2d, nn.Linear)): continue
        mask, w = get_mask(mod), mod.weight.detach()
        if mask is not None: assert (w[~mask] == 0).all()
        bits = bits_conv if isinstance(mod, nn.Conv2d) else bits_fc
        if bits is not None: assert len(w[w != 0].unique()) <= 2**bits

def quantize(m, scheme, bits_conv, bits_fc, frac='auto', init='linear', **kw):
    "Shared: `quantize_model`; fixed: width `bits_*` per layer type (None: float), frac given or 'auto'"
    if scheme == 'shared': return quantize_model(m, 'shared', bits_conv=bits_conv, bits_fc=bits_fc, init=init, **kw)
    if bits_conv == bits_fc and bits_conv is not None:
        return quantize_model(m, 'fixed', weight_width=bits_conv, weight_frac_width=frac, **kw)
    before = {}
    for mn, mod in m.named_modules():
        bits = bits_conv if isinstance(mod, nn.Conv2d) else bits_fc if isinstance(mod, nn.Linear) else None
        if bits is None: continue
        w = mod.weight.detach(); mask = get_mask(mod)
        before[(mn, 'weight')] = (w.flatten() if mask is None else w[mask]).clone()
        quantize_fixed_(mod, 'weight', bits, frac)
    return quant_table(m, before)

def run_point(base, dls, ft_dls, model, scheme, bits_conv, bits_fc, frac='auto', init='linear', ft_epochs=1, ft_lr=1e-4,
              bf16=False, label='', **kw):
    m = copy.deepcopy(base); t = time.time()
    tab = quantize(m, scheme, bits_conv, bits_fc, frac, init, **kw)
    check_deployed(m, bits_conv, bits_fc)
    q = tab[tab.kind != 'float32']
    row = dict(model=model, scheme=scheme, label=label, init=init if scheme == 'shared' else '', frac=str(frac) if scheme == 'fixed' else '',
               bits_conv=bits_conv or 32, bits_fc=bits_fc or 32, targets='+'.join(kw.get('targets', ('weight',))),
               data_in=f"{kw['data_in_width']}/{kw['data_in_frac_width']}" if kw.get('data_in_width') else '',
               zeroed=int(q.zeroed.sum()), saturated=int(q.get('saturated', pd.Series([0])).fillna(0).sum()),
               max_distinct=int(q.distinct.max()), acc_quantized=accuracy(m, dls.valid))
    if ft_epochs:
        cbs = [QuantCallback()] + (train_callbacks({'bf16': 'auto'}, {}, None) if bf16 else [])
        fit(make_learner(m, ft_dls, cbs=cbs), ft_epochs, ft_lr, 'cosine', seed=SEED, quiet=True)
        m.to(memory_format=torch.contiguous_format)
        check_deployed(m, bits_conv, bits_fc)
        row['acc_finetuned'] = accuracy(m, dls.valid)
    row['ft_epochs'] = ft_epochs; row['seconds'] = round(time.time() - t, 1)
    print(row, flush=True)
    return row, tab

def pruned_lenet(name, dls, epochs, lr, ft_epochs, bf16):
    cbs = train_callbacks({'bf16': 'auto'}, {}, None) if bf16 else []
    m = create_model(name); t = time.time()
    fit(make_learner(m, dls, cbs=cbs), epochs, lr, seed=SEED, quiet=True); m.to(memory_format=torch.contiguous_format)
    dense = accuracy(m, dls.valid)
    prune_model(m, 0.0, overrides=DC_PRUNE[name])
    pruned0 = accuracy(m, dls.valid)
    fit(make_learner(m, dls, cbs=cbs), ft_epochs, lr/3, 'cosine', seed=SEED, quiet=True); m.to(memory_format=torch.contiguous_format)
    ws = [mod.weight for mod in m.modules() if isinstance(mod, (nn.Conv2d, nn.Linear))]
    density = sum(int((w != 0).sum()) for w in ws)/sum(w.numel() for w in ws)
    base = dict(model=name, scheme='float32', label='dense', bits_conv=32, bits_fc=32, acc_quantized=dense, ft_epochs=epochs)
    pr = dict(model=name, scheme='float32', label=f'pruned (density {density:.3f})', bits_conv=32, bits_fc=32,
              acc_quantized=pruned0, acc_finetuned=accuracy(m, dls.valid), ft_epochs=ft_epochs, seconds=round(time.time() - t, 1))
    print(base, pr, flush=True)
    return m, [base, pr]

def lenet300():
    dls = get_dls('mnist', bs=128, seed=SEED)
    base, rows = pruned_lenet('lenet300', dls, 6, 2e-3, 3, False)
    for bits in (1, 2, 3, 4, 5, 6, 8):
        rows.append(run_point(base, dls, dls, 'lenet300', 'shared', None, bits)[0])
    for bits in (2, 3, 4, 5, 6, 8):
        rows.append(run_point(base, dls, dls, 'lenet300', 'fixed', None, bits)[0])
    rows.append(run_point(base, dls, dls, 'lenet300', 'fixed', None, 8, frac=4, label='original 8/4')[0])
    return rows

def lenet5():
    dls = get_dls('mnist', bs=128, seed=SEED)
    ft_dls = get_dls('mnist', bs=128, n_train=20000, seed=1, verbose=False)  # fine-tuning: a third of an epoch
    base, rows = pruned_lenet('lenet5', dls, 2, 2e-3, 1, True)
    kw = dict(ft_epochs=1, bf16=True)  # every point fine-tuned (a third of an epoch, as the Deep-Compression rows)
    for scheme, bits in [('shared', b) for b in (1, 2, 3, 4, 5, 6, 8)] + [('fixed', b) for b in (2, 3, 4, 5, 6, 8)]:
        if scheme == 'shared' or bits > 1: rows.append(run_point(base, dls, ft_dls, 'lenet5', scheme, bits, None, label='conv sweep', **kw)[0])
        rows.append(run_point(base, dls, ft_dls, 'lenet5', scheme, None, bits, label='fc sweep', **kw)[0])
    for scheme, bc, bf, frac, label in (('shared', 8, 5, 'auto', 'DC 8/5'), ('shared', 8, 4, 'auto', 'DC 8/4'), ('shared', 4, 2, 'auto', 'DC 4/2'),
                                        ('fixed', 8, 8, 'auto', 'per-layer range'), ('fixed', 4, 4, 'auto', 'per-layer range'),
                                        ('fixed', 8, 8, 4, 'original 8/4')):
        rows.append(run_point(base, dls, ft_dls, 'lenet5', scheme, bc, bf, frac=frac, label=label, ft_epochs=1, bf16=True)[0])
    return rows

def pruned_vgg7():
    sys.path.insert(0, str(Path(__file__).parent))
    from act_train import SETUPS, train
    if not Path('runs/act/vgg7.pth').exists(): train('vgg7')
    ds, dkw, arch, mkw, *_ = SETUPS['vgg7']
    dls = get_dls(ds, seed=0, **dkw)
    m = load_state(create_model(arch, **mkw), 'runs/act/vgg7.pth'); t = time.time()
    rows = [dict(model='vgg7', scheme='float32', label='dense', bits_conv=32, bits_fc=32, acc_quantized=accuracy(m, dls.valid))]
    prune_model(m, 0.5, overrides={'classifier.*': 0.9})
    p0 = accuracy(m, dls.valid)
    fit(make_learner(m, dls, cbs=train_callbacks({'bf16': 'auto'}, {}, None)), 2, 1e-3, 'cosine', seed=SEED, quiet=True); m.to(memory_format=torch.contiguous_format)
    rows.append(dict(model='vgg7', scheme='float32', label='pruned (conv 50%, fc 90% removed)', bits_conv=32, bits_fc=32, acc_quantized=p0,
                     acc_finetuned=accuracy(m, dls.valid), ft_epochs=2, seconds=round(time.time() - t, 1)))
    print(rows, flush=True)
    return m, dls, rows

def vgg7():
    m, dls, rows = pruned_vgg7()
    c = copy.deepcopy(m); t = time.time()  # control: the float model fine-tuned like the quantized ones (what the extra epoch alone gives)
    fit(make_learner(c, dls, cbs=train_callbacks({'bf16': 'auto'}, {}, None)), 1, 1e-4, 'cosine', seed=SEED, quiet=True); c.to(memory_format=torch.contiguous_format)
    rows.append(dict(model='vgg7', scheme='float32', label='pruned, +1 epoch (control)', bits_conv=32, bits_fc=32, acc_quantized=rows[-1]['acc_finetuned'],
                     acc_finetuned=accuracy(c, dls.valid), ft_epochs=1, seconds=round(time.time() - t, 1)))
    layers = []
    for scheme, bc, bf, frac, label, kw in (
            ('fixed', 8, 8, 4, 'original 8/4, weights', {}),
            ('fixed', 8, 8, 4, 'original 8/4, weights+biases+inputs', dict(targets=('weight', 'bias'), data_in_width=8, data_in_frac_width=4)),
            ('fixed', 8, 8, 'auto', 'per-layer range, weights', {}),
            ('fixed', 8, 8, 'auto', 'per-layer range, weights+biases+BN', dict(targets=('weight', 'bias', 'bn'), bias_frac_width='auto')),
            ('shared', 8, 5, 'auto', 'weight sharing 8/5', {})):
        row, tab = run_point(m, dls, dls, 'vgg7', scheme, bc, bf, frac=frac, label=label, ft_epochs=1, ft_lr=1e-4, bf16=True, **kw)
        rows.append(row); layers.append(tab.reset_index().assign(label=label))
    pd.concat(layers).to_csv(OUT/'quantization_vgg7_layers.csv', index=False)
    return rows

if __name__ == '__main__':
    set_threads(1); OUT.mkdir(parents=True, exist_ok=True)
    for part in sys.argv[1:] or ('lenet300', 'lenet5', 'vgg7'):
        t = time.time(); rows = globals()[part]()
        df = pd.DataFrame(rows).assign(seed=SEED, torch=env_info()['torch'], threads=1)
        df.to_csv(OUT/f'quantization_{part}.csv', index=False)
        print(f"{part}: {time.time() - t:.0f} s", flush=True)
