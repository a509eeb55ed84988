"""Wall time of one 8-run sweep (2 x 2 grid, 2 seeds) with `--workers 1` (in one process) and `--workers 2` (a local Ray cluster).

usage: python bench/sweep_speed.py [--hidden 1024 512] [--epochs 10] [--max-load 1.0] [--max-wait 300]

The runs are deep compression of a LeNet-300-100-shaped network on synthetic 16x16 data (no download), a grid of
sparsity (0.8, 0.9) x Huffman-coded index bits (4, 5) with seeds 0 and 1. Each sweep is `deepcomp sweep` in a fresh
process, timed from start to exit (imports, Ray start-up and shut-down included), into a fresh folder; `--workers 1`
runs with the cores' torch threads, `--workers 2` with cores/2 threads per run (`DEEPCOMP_THREADS` is unset). The
machine may be shared: before each measurement the CPU and the load average are printed, and while the 1-minute load
average is above `--max-load` the script waits (up to `--max-wait` seconds before each, then measures anyway and says so).
Both sweeps must give the same headlines. Prints both times and the ratio.
"""
import argparse, os, platform, subprocess, sys, tempfile, time
from pathlib import Path

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--hidden', type=int, nargs=2, default=[1024, 512], help='the two hidden layers')
p.add_argument('--epochs', type=int, default=10, help='epochs of the dense training and of each fine-tuning')
p.add_argument('--max-load', type=float, default=1.0, help='wait while the 1-minute load average is above this')
p.add_argument('--max-wait', type=float, default=300, help='seconds to wait at most before each measurement')
args = p.parse_args()

CONFIG = f"""model = "lenet300"
dataset = "synthetic"
batch_size = 64
seed = 0
[model_args]
hidden = {args.hidden}
[train]
max_epochs = {args.epochs}
learning_rate = 1e-2
[passes.prune.weight]
sparsity = 0.8
[passes.retrain]
max_epochs = {args.epochs}
learning_rate = 3e-3
[passes.quantize]
scheme = "shared"
bits_fc = 4
[passes.train_quantized]
max_epochs = {args.epochs}
learning_rate = 1e-3
[passes.huffman]
"""
GRID = ['--grid', 'passes.prune.weight.sparsity=0.8,0.9', '--grid', 'passes.huffman.index_bits=4,5', '--seeds', '0', '1']
ENV = {k: v for k, v in os.environ.items() if k != 'DEEPCOMP_THREADS'}
MAIN = 'import sys\nfrom deepcomp.cli import main\nsys.exit(main())'

def cpu()->str:
    try: return next(l.split(':', 1)[1].strip() for l in subprocess.run(['lscpu'], capture_output=True, text=True).stdout.splitlines() if l.startswith('Model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def quiet_machine(label)->float:
    "Wait while the load average is above --max-load (at most --max-wait seconds); the 1-minute load average measured at"
    waited = 0
    while (load := os.getloadavg())[0] > args.max_load and waited < args.max_wait:
        print(f"  {label}: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} > {args.max_load}: waiting 30 s", flush=True)
        time.sleep(30); waited += 30
    note = '' if load[0] <= args.max_load else f" (still above {args.max_load} after waiting {waited:.0f} s: measured anyway)"
    print(f"{label}: CPU {cpu()}, {os.cpu_count()} cores; load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}{note}", flush=True)
    return load[0]

def sweep(d:Path, workers:int)->float:
    "Wall seconds of one `deepcomp sweep` in a fresh process"
    t = time.perf_counter()
    r = subprocess.run([sys.executable, '-c', MAIN, 'sweep', '--config', str(d/'bench.toml'), '--out', str(d/f'w{workers}'), *GRID,
                        '--workers', str(workers)], capture_output=True, text=True, env=ENV)
    dt = time.perf_counter() - t
    if r.returncode: sys.exit(f"--workers {workers} failed:\n{r.stdout}\n{r.stderr}")
    return dt

import pandas as pd
print(f"python {platform.python_version()}, 8 runs of lenet300 {args.hidden} on synthetic data, {args.epochs} epochs per training pass")
with tempfile.TemporaryDirectory() as d:
    d = Path(d); (d/'bench.toml').write_text(CONFIG)
    times, loads = {}, {}
    for w in (1, 2):
        loads[w] = quiet_machine(f'--workers {w}')
        times[w] = sweep(d, w)
        print(f"--workers {w}: {times[w]:.1f} s", flush=True)
    heads = {w: pd.read_csv(d/f'w{w}'/'results.csv').set_index('run')[['file_bytes', 'ratio', 'accuracy']] for w in (1, 2)}
    same = heads[1].equals(heads[2])
    threads = {w: sorted(set(pd.read_csv(d/f'w{w}'/'results.csv').threads)) for w in (1, 2)}
    print(f"\nworkers 1: {times[1]:.1f} s ({threads[1]} torch threads per run, load before {loads[1]:.2f})")
    print(f"workers 2: {times[2]:.1f} s ({threads[2]} torch threads per run, load before {loads[2]:.2f})")
    print(f"ratio (workers 1 / workers 2): {times[1]/times[2]:.2f}x; headlines identical: {same}")
    if not same: print(pd.concat(heads, axis=1))
