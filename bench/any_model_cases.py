#!/usr/bin/env python
"""Before and after: each class of silent failure named by the "any model" issue, run against this checkout and an older one.

Every case is a small program run in a fresh interpreter with the code under test first on `sys.path`; it passes when it
prints PASS (an exception, a wrong count or a weight off its mask or grid is a FAIL, with the reason). Run it from a folder
outside the checkout, so that the working directory does not shadow the package:

    git worktree add /tmp/old eb6c971      # the commit before this work
    cd /tmp && python /work/main/bench/any_model_cases.py --old /tmp/old [--only NAME ...] [--show]
"""
import argparse, os, subprocess, sys, textwrap
from pathlib import Path

PRELUDE = '''
import warnings, copy, tempfile, torch
from pathlib import Path
from torch import nn
import torch.nn.functional as F
warnings.simplefilter('ignore')
torch.manual_seed(0); torch.set_num_threads(1)
class Att(nn.Module):
    def __init__(s): super().__init__(); s.inp, s.att, s.out = nn.Linear(4, 16), nn.MultiheadAttention(16, 2, batch_first=True), nn.Linear(16, 3)
    def forward(s, x): y = s.inp(x); return s.out(s.att(y, y, y)[0].mean(1))
class Twice(nn.Module):
    def __init__(s): super().__init__(); s.l, s.h = nn.Linear(8, 8), nn.Linear(8, 3)
    def forward(s, x): return s.h(s.l(torch.relu(s.l(x))))
class Tied(nn.Module):
    def __init__(s, n=64): super().__init__(); s.a, s.b, s.h = nn.Linear(n, n), nn.Linear(n, n), nn.Linear(n, 3); s.b.weight = s.a.weight
    def forward(s, x): return s.h(s.b(torch.relu(s.a(x))))
class Untraceable(nn.Module):
    def __init__(s, w=8):
        super().__init__(); s.stem, s.bn0 = nn.Conv2d(3, w, 3, padding=1), nn.BatchNorm2d(w)
        s.c1, s.b1, s.c2, s.b2, s.bn_sum, s.head = nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w), nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w), nn.BatchNorm2d(w), nn.Linear(w, 3)
    def forward(s, x):
        y = F.relu(s.bn0(s.stem(x)))
        if y.shape[-1] > 4: y = F.max_pool2d(y, 2)
        return s.head(F.relu(s.bn_sum(y + s.b2(s.c2(F.relu(s.b1(s.c1(y))))))).mean((2, 3)))
def leak(m): return int((m.weight[~m.weight_mask] != 0).sum())
def train(net, x, opt, n=3):
    for _ in range(n): opt.zero_grad(); net(x.clone().requires_grad_(True)).sum().backward(); opt.step()
'''

CASES = {  # name: (what the issue says goes wrong, the program)
'outproj_masks_through_deepcopy': ("out_proj's pruned weights come back after a deepcopy and AdamW steps", '''
from deepcomp.mask import set_mask
mha = nn.MultiheadAttention(8, 2, batch_first=True); set_mask(mha.out_proj, torch.rand(8, 8) > 0.5)
net, x = copy.deepcopy(mha), torch.randn(4, 5, 8); opt = torch.optim.AdamW(net.parameters(), lr=0.1)
for _ in range(3): opt.zero_grad(); net(x, x, x)[0].sum().backward(); opt.step()
assert leak(net.out_proj) == 0, f"{leak(net.out_proj)} pruned weights non-zero"'''),
'outproj_edit_remasked': ("an edited out_proj weight is not masked again at the next forward", '''
from deepcomp.mask import set_mask
mha = nn.MultiheadAttention(8, 2, batch_first=True); set_mask(mha.out_proj, torch.rand(8, 8) > 0.5); x = torch.randn(4, 5, 8)
with torch.no_grad(): mha.out_proj.weight.fill_(1.)
mha(x, x, x); assert leak(mha.out_proj) == 0, f"{leak(mha.out_proj)} pruned weights non-zero after a forward"'''),
'quantized_outproj_on_grid': ("a quantized out_proj drifts off its grid after a plain optimizer step", '''
from deepcomp.quant.core import quantize_model, deployed_value
mha = nn.MultiheadAttention(8, 2, batch_first=True); quantize_model(mha, 'shared', bits_fc=3); y = torch.randn(2, 5, 8)
opt = torch.optim.SGD(mha.parameters(), lr=0.1); opt.zero_grad(); mha(y, y, y)[0].sum().backward(); opt.step(); mha(y, y, y)
d = (mha.out_proj.weight - deployed_value(mha.out_proj)).abs().max().item(); assert d == 0, f"off the grid by {d:.3g}"'''),
'dynamic_act_mask_on_outproj': ("dynamic activation masks on out_proj are reported but never applied", '''
from deepcomp.prune.activation import prune_activations
df = prune_activations(Att(), 0.5, 'neurons')
layers = list(df['layer']) if 'layer' in df else list(df.index)
assert 'att.out_proj' not in layers, f"out_proj reported as masked: {layers}"'''),
'skipped_weights_named': ("in_proj_weight and ConvTranspose2d weights skipped while the summary reports the requested sparsity", '''
from deepcomp.prune.core import prune_model
class M(nn.Module):
    def __init__(s): super().__init__(); s.conv, s.up, s.attn, s.fc = nn.Conv2d(3, 8, 3), nn.ConvTranspose2d(8, 4, 2, 2), nn.MultiheadAttention(8, 2), nn.Linear(8, 4)
    def forward(s, x): return s.fc(s.up(s.conv(x)).mean((2, 3)).repeat(1, 2))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always'); df = prune_model(M(), 0.5)
msg = ' '.join(str(m.message) for m in w)
assert 'up.weight' in msg and 'in_proj_weight' in msg, "not named in a warning"
assert df.loc['total', 'weights'] == 3*8*9 + 8*8 + 8*4 + 8*4*4 + 3*8*8, f"total counts {df.loc['total', 'weights']} weights"'''),
'conv1d_quantized': ("Conv1d layers are pruned but never quantized", '''
from deepcomp.quant.core import quantize_model
net = nn.Sequential(nn.Conv1d(2, 4, 3), nn.Flatten(), nn.Linear(8, 3)); quantize_model(net, 'shared', bits_conv=2, bits_fc=2)
n = len(net[0].weight.unique()); assert n <= 4, f"Conv1d weight has {n} values, not at most 4"'''),
'untraceable_bn_left_alone': ("where torch.fx fails, filter pruning guesses a BatchNorm and masks the one on a residual sum", '''
from deepcomp.prune.core import prune_model
net = Untraceable(); prune_model(net, 0.5, 'filter', 'l1')
bad = [n for n, m in net.named_modules() if isinstance(m, nn.BatchNorm2d) and hasattr(m, 'weight_mask')]
assert not bad, f"BatchNorms masked without proof: {bad}"'''),
'mask_weight_used_twice': ("a masked layer called twice cannot be trained (in-place re-masking)", '''
from deepcomp.mask import set_mask
net = Twice(); set_mask(net.l, torch.rand(8, 8) > 0.5)
train(net, torch.randn(4, 8), torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)); assert leak(net.l) == 0'''),
'mask_shared_parameter': ("two layers sharing a masked Parameter cannot be trained", '''
from deepcomp.mask import set_mask
net = Tied(8); m = torch.rand(8, 8) > 0.5; set_mask(net.a, m); set_mask(net.b, m)
train(net, torch.randn(4, 8), torch.optim.SGD(net.parameters(), lr=0.1)); assert leak(net.a) == 0'''),
'quant_weight_used_twice': ("weight sharing on a layer called twice cannot be trained", '''
from deepcomp.quant.core import quantize_model, deployed_value
net = Twice(); quantize_model(net, 'shared', bits_fc=3)
train(net, torch.randn(4, 8), torch.optim.SGD(net.parameters(), lr=0.1)); net(torch.randn(4, 8))
assert torch.equal(net.l.weight, deployed_value(net.l))'''),
'quant_shared_parameter': ("weight sharing of a Parameter shared by two layers: trains, one codebook", '''
from deepcomp.quant.core import quantize_model, deployed_value
net = Tied(8); quantize_model(net, 'shared', bits_fc=3)
train(net, torch.randn(4, 8), torch.optim.SGD(net.parameters(), lr=0.1)); net(torch.randn(4, 8))
assert not hasattr(net.b, 'weight_codebook'), "the shared weight got two codebooks"
assert torch.equal(net.a.weight, deployed_value(net.a))'''),
'sharing_empty_layer': ("weight sharing on a fully pruned layer fails with IndexError", '''
from deepcomp.mask import set_mask
from deepcomp.quant.core import quantize_model
net = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)); set_mask(net[2], torch.zeros(3, 8, dtype=torch.bool))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always'); quantize_model(net, 'shared', bits_fc=2)
assert any('pruned entirely' in str(m.message) for m in w), "no warning"; assert not net[2].weight.any()'''),
'fully_pruned_warned': ("global pruning that empties a layer says nothing", '''
from deepcomp.prune.core import prune_model
from deepcomp.models import create_model
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always'); prune_model(create_model('lenet300'), 0.5, overrides={'5': {'sparsity': 0.99, 'granularity': 'filter'}})
assert any('every weight of' in str(m.message) for m in w), "no warning for the emptied layer"'''),
'taylor_frozen_layer': ("the Taylor criterion fails on a frozen layer", '''
from deepcomp.prune.core import prune_model
net = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)); net[0].weight.requires_grad_(False)
prune_model(net, 0.5, 'element', 'taylor', dls=[(torch.randn(16, 8), torch.randint(0, 3, (16,)))])
assert int((~net[0].weight_mask).sum()) == 32 and not net[0].weight.requires_grad'''),
'calibration_names_layer': ("'Calibration saw no input for a layer' does not name the layer", '''
from deepcomp.prune.activation import prune_activations
class Unused(nn.Module):
    def __init__(s): super().__init__(); s.a, s.skip, s.b = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 3)
    def forward(s, x): return s.b(torch.relu(s.a(x)))
try: prune_activations(Unused(), 0.5, 'feature-map-l1', [(torch.randn(4, 8), None)], n_batches=1); raise AssertionError('no error')
except ValueError as e: assert "'skip'" in str(e), f"the layer is not named: {e}"'''),
'shared_count_once': ("a shared weight counts twice in the pruning totals", '''
from deepcomp.prune.core import prune_model
net = Tied(8); df = prune_model(net, 0.5, scope='global')
assert df.loc['total', 'weights'] == 64 + 24, f"total counts {df.loc['total', 'weights']} weights, not 88"'''),
'shared_stored_once': ("a shared weight is stored twice in the file", '''
from deepcomp.models import MODELS
from deepcomp.coding.file import save_compressed, load_compressed
MODELS['tied_case'] = Tied
from deepcomp.models import create_model
net = create_model('tied_case')
with tempfile.TemporaryDirectory() as d:
    import inspect; v2 = {'version': 2} if 'version' in inspect.signature(save_compressed).parameters else {}  # an older deepcomp writes format 2 only
    p2, p3 = Path(d)/'a.dcz', Path(d)/'b.dcz'; save_compressed(net, p2, **v2); save_compressed(net, p3)
    s2, s3 = p2.stat().st_size, p3.stat().st_size; back = load_compressed(p3)
    assert s3 < s2 - 64*64*2, f"{s3} bytes: the 64x64 weight is stored twice ({s2} in format 2)"
    assert torch.equal(back.a.weight, net.a.weight) and back.b.weight is back.a.weight'''),
'outproj_in_summary': ("the pipeline's weight counts leave out attention's out_proj (its type is not Linear by name)", '''
from deepcomp.metrics import layer_stats
class A(nn.Module):
    def __init__(s): super().__init__(); s.att = nn.MultiheadAttention(8, 2, batch_first=True)
    def forward(s, x): return s.att(x, x, x)[0]
st = layer_stats(A(), (3, 8))
col = st['compressed'] if 'compressed' in st else st.type.isin(['Conv1d', 'Conv2d', 'Conv3d', 'Linear'])
assert bool(col.get('att.out_proj', False)), "out_proj not counted among the compressed weights"'''),
'device_auto': ("no `device` setting: 'auto' (CUDA where it exists) is not accepted, an absent GPU not refused clearly", '''
from deepcomp.train import read_config
cfg = read_config({'model': 'lenet300', 'dataset': 'mnist', 'device': 'auto'})
if not torch.cuda.is_available():
    try: read_config({'model': 'lenet300', 'dataset': 'mnist', 'device': 'cuda'}); raise AssertionError('cuda accepted without a GPU')
    except ValueError as e: assert 'not available' in str(e), str(e)'''),
'data_transforms_follow_device': ("batch transforms make tensors on the CPU whatever the batch's device", '''
from deepcomp.data import Normalize, RandomCropFlip
x = torch.zeros(4, 3, 8, 8, dtype=torch.uint8, device='meta')
y, _ = RandomCropFlip()((x, None)); z, _ = Normalize([0.5]*3, [0.2]*3)((y, None)); assert z.device.type == 'meta' '''),
}

def run(code_root, name):
    prog = PRELUDE + textwrap.dedent(CASES[name][1]) + "\nprint('PASS')\n"
    env = {**os.environ, 'PYTHONPATH': str(code_root), 'PYTHONWARNINGS': 'ignore'}
    r = subprocess.run([sys.executable, '-c', prog], capture_output=True, text=True, env=env, timeout=600, cwd='/tmp')
    if r.stdout.strip().endswith('PASS'): return 'pass', ''
    err = [l for l in r.stderr.strip().splitlines() if l.strip()]
    return 'FAIL', (err[-1] if err else r.stdout.strip()[-200:])[:160]

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--new', default=str(Path(__file__).resolve().parents[1]), help='checkout under test (default: this one)')
    p.add_argument('--old', help='an older checkout to run the same cases against')
    p.add_argument('--only', nargs='*', help='case names'); p.add_argument('--show', action='store_true', help='print each failure')
    a = p.parse_args()
    names = a.only or list(CASES)
    fails = {'new': 0, 'old': 0}
    print(f"{'case':32} {'new':5} {'old':5}  what the issue says goes wrong")
    for n in names:
        new, why_new = run(a.new, n)
        old, why_old = run(a.old, n) if a.old else ('-', '')
        fails['new'] += new == 'FAIL'; fails['old'] += old == 'FAIL'
        print(f"{n:32} {new:5} {old:5}  {CASES[n][0]}", flush=True)
        if a.show:
            for v, why in (('new', why_new), ('old', why_old)):
                if why: print(f"    {v}: {why}")
    print(f"\n{len(names)} cases: {fails['new']} fail on {a.new}" + (f", {fails['old']} fail on {a.old}" if a.old else ''))
    return 1 if fails['new'] else 0

if __name__ == '__main__': sys.exit(main())
