#!/usr/bin/env python
"""Cost of weight masks: training-step time of a masked VGG7 divided by the dense one, and the time to compute
all masks of VGG7 at each granularity.

    python bench/prune_speed.py                  # VGG7 width 0.5, batch 32, 1 thread
    python bench/prune_speed.py --width 1 --bs 64 --threads 2

Times are CPU seconds of this process (`time.process_time`), so that other jobs on a shared machine do not
distort the ratio; dense and masked steps alternate. Wall-clock seconds are printed alongside.
"""
import argparse, copy, time, statistics, json
import torch, torch.nn.functional as F
from deepcomp.core import env_info
from deepcomp.models import create_model
from deepcomp.prune.core import prune_model, GRANULARITIES

def make_step(model, x, y):
    "A function running one Adam (weight decay) training step, returning (cpu, wall) seconds"
    opt = torch.optim.Adam(model.parameters(), 1e-3, weight_decay=1e-4)
    def step():
        c, w = time.process_time(), time.perf_counter()
        opt.zero_grad(); F.cross_entropy(model(x), y).backward(); opt.step()
        return time.process_time() - c, time.perf_counter() - w
    return step

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--width', type=float, default=0.5); p.add_argument('--bs', type=int, default=32)
    p.add_argument('--steps', type=int, default=6); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--sparsity', type=float, default=0.8)
    a = p.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    print(json.dumps({k: v for k, v in env_info().items()}), flush=True)
    x, y = torch.randn(a.bs, 3, 32, 32), torch.randint(0, 10, (a.bs,))
    dense = create_model('vgg7', width=a.width)
    masked = copy.deepcopy(dense); prune_model(masked, a.sparsity, 'element', 'l1')
    sd, sm = make_step(dense, x, y), make_step(masked, x, y)
    sd(); sm()  # warm-up
    td, tm = zip(*[(sd(), sm()) for _ in range(a.steps)])  # alternate, so that changes in load hit both alike
    (dc, dw), (mc, mw) = [[statistics.median(t[i] for t in ts) for i in (0, 1)] for ts in (td, tm)]
    print(f"VGG7 width {a.width}, batch {a.bs}, {a.threads} thread(s), Adam step with weight decay, median of {a.steps} steps")
    print(f"train step CPU time: dense {dc*1e3:.1f} ms, masked ({a.sparsity:.0%} elementwise) {mc*1e3:.1f} ms, "
          f"ratio {mc/dc:.3f} (goal <= 1.15); wall {dw*1e3:.1f} / {mw*1e3:.1f} ms, ratio {mw/dw:.3f}")
    n = sum(m.weight.numel() for m in dense.modules() if hasattr(m, "weight") and m.weight.dim() > 1)
    print(f"mask computation for all {n:,} conv/linear weights of VGG7 (local scope, sparsity 0.5):")
    calib = [(torch.randn(a.bs, 3, 32, 32), torch.randint(0, 10, (a.bs,)))]
    runs = [(g, 'l1') for g in GRANULARITIES] + [('filter', 'l2_multi'), ('element', 'random'), ('element', 'taylor')]
    for g, c in runs:
        model = create_model('vgg7', width=a.width)
        kw = dict(skip=('first',)) if g == 'nm' else {}
        t = time.process_time(); prune_model(model, 0.5, g, c, dls=calib, calibration_batches=1, **kw)
        print(f"  {g:>10} {c:>8}: {(time.process_time() - t)*1e3:8.1f} ms CPU" + ("  (first conv skipped: 3 input channels)" if kw else "")
              + ("  (includes 1 calibration batch)" if c == 'taylor' else ""))

if __name__ == '__main__': main()
