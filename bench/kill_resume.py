"""Kill `deepcomp compress` at random moments and check that every resumed run ends with a file that loads.

usage: python bench/kill_resume.py [--kills 25]   # rounds go on until that many kills have landed [--config configs/tiny_lenet300.toml] [--seed 0]

Each round starts `deepcomp compress` on the same output folder and sends SIGKILL after a random delay (uniform between
0.3 s and the length of a whole run, measured first), so kills land during imports, training, saves of checkpoints and
of the file. After every round that exits by itself, the headline's file must load and have the size `report.json`
records. At the end the run is finished without kills, and its file is compared with a run that was never killed.
"""
import argparse, json, os, random, shutil, signal, subprocess, sys, tempfile, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--kills', type=int, default=25); p.add_argument('--config', default='configs/tiny_lenet300.toml'); p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
env = {**os.environ, 'DEEPCOMP_THREADS': '1', 'PYTHONWARNINGS': 'ignore'}
cmd = lambda out: [str(Path(sys.executable).with_name('deepcomp')), 'compress', '--config', a.config, '--out', str(out)]

def check(out):
    "The headline file of a finished run loads and has the recorded size"
    from deepcomp.coding.file import load_compressed
    rep = json.loads((out/'report.json').read_text()); h = rep['headline']; f = Path(h['file'])
    assert f.stat().st_size == h['file_bytes'], (f, f.stat().st_size, h['file_bytes'])
    load_compressed(f)
    return h['file_bytes']

with tempfile.TemporaryDirectory() as d:
    d = Path(d); t = time.time()
    subprocess.run(cmd(d/'clean'), env=env, check=True, capture_output=True); whole = time.time() - t
    ref = check(d/'clean')
    print(f"# a whole run takes {whole:.1f} s; its file has {ref:,} bytes", flush=True)
    rng, out, stats = random.Random(a.seed), d/'killed', {'killed': 0, 'finished': 0, 'failed': 0}
    i = 0
    while stats['killed'] < a.kills and i < 6*a.kills:
        delay = rng.uniform(0.3, 1.5*whole)  # a resumed run has fewer passes left, but the same imports
        pr = subprocess.Popen(cmd(out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try: rc = pr.wait(delay)
        except subprocess.TimeoutExpired: pr.send_signal(signal.SIGKILL); pr.wait(); rc = None
        if rc is None: stats['killed'] += 1
        elif rc == 0: stats['finished'] += 1; check(out); shutil.rmtree(out)  # start again: more kills land mid-run
        else: stats['failed'] += 1; print(f"round {i}: exit {rc}: {pr.stderr.read().decode()[-300:]}")
        prog = out/'progress.json'
        done = len(json.loads(prog.read_text())['completed']) if prog.exists() else 0
        tmp = len(list(out.glob('**/*.tmp'))) if out.exists() else 0
        print(f"round {i:2d}: {'killed after %.1f s' % delay if rc is None else 'exit %d' % rc}; passes finished {done}, temporaries left {tmp}", flush=True); i += 1
    subprocess.run(cmd(out), env=env, check=True, capture_output=True)
    size = check(out)
    print(f"\n{stats['killed']} kills, {stats['finished']} runs finished by themselves (each file checked), {stats['failed']} failed; "
          f"final file {size:,} bytes, loads; the never-killed run's file {ref:,} bytes")
    sys.exit(1 if stats['failed'] else 0)
