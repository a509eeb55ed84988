"""Start-up time of `deepcomp --help`: the lazy command line against the eager one it replaced.

usage: python bench/cli_speed.py [--reps 7]

Each run is a fresh python process printing the help of `deepcomp.cli.main`:
- lazy: as the console script does today (commands listed from `BUILTIN_COMMANDS`, nothing heavy imported);
- eager: first importing every module that registers a command (`deepcomp.train`, `deepcomp.pipeline`,
  `deepcomp.coding.file`: torch, fastai, torchvision, numba, pandas), as `build_parser` did before;
- python: an empty `python -c pass`, the interpreter's own start-up.
The three are run in turn, `--reps` times (the machine may be shared), with `DEEPCOMP_THREADS=1`; the medians of wall
seconds are printed with the ratio eager/lazy, after the CPU and the versions.
"""
import argparse, importlib.metadata, os, platform, statistics, subprocess, sys, time, warnings

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--reps', type=int, default=7, help='runs of each variant, in turn')
args = p.parse_args()

MAIN = 'import sys\nfrom deepcomp.cli import main\nsys.exit(main())'
EAGER = 'import deepcomp.train, deepcomp.pipeline, deepcomp.coding.file\n' + MAIN
VARIANTS = {'lazy': [sys.executable, '-c', MAIN, '--help'], 'eager': [sys.executable, '-c', EAGER, '--help'],
            'python': [sys.executable, '-c', 'pass']}
ENV = {**os.environ, 'DEEPCOMP_THREADS': '1'}

def cpu()->str:
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def run(cmd)->tuple:
    "Wall seconds and stdout of one fresh process"
    t = time.perf_counter(); r = subprocess.run(cmd, capture_output=True, text=True, env=ENV); dt = time.perf_counter() - t
    if r.returncode: sys.exit(f"{cmd[2][:40]!r} failed:\n{r.stderr}")
    return dt, r.stdout

vs = {k: importlib.metadata.version(k) for k in ('torch', 'fastai', 'pandas', 'numba')}
print(f"CPU {cpu()}, {os.cpu_count()} cores; python {platform.python_version()}; " + ', '.join(f'{k} {v}' for k, v in vs.items()))
times, outs = {k: [] for k in VARIANTS}, {}
for _ in range(args.reps):
    for k, cmd in VARIANTS.items(): dt, outs[k] = run(cmd); times[k].append(dt)
if outs['lazy'] != outs['eager']: warnings.warn("lazy and eager help texts differ")
med = {k: statistics.median(v) for k, v in times.items()}
print(f"deepcomp --help, median of {args.reps} fresh processes (min-max):")
for k in VARIANTS: print(f"  {k:6}  {med[k]:6.3f} s  ({min(times[k]):.3f}-{max(times[k]):.3f})")
print(f"eager/lazy: {med['eager']/med['lazy']:.1f}x")
