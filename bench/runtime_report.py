"""Runs and measurements of the runtime report (nbs/reports/runtime.ipynb): test accuracy against measured CPU latency for
channel-group (filter) pruning at several FLOP targets, VGG7/CIFAR-10 and ResNet18/coloured MNIST.

    export DEEPCOMP_DATA=/path/to/data
    python bench/runtime_report.py train [--models vgg7 resnet18] [--targets 0.4 0.55 0.7] [--recipes filter filter_long]   # the compress runs (resumable)
    DEEPCOMP_THREADS=1 python bench/runtime_report.py measure [--threads 1 2]                 # time the files, write the results

`train` runs configs/reports/<data set>_<recipe>.toml once per target into runs/reports/<config><target%>_s0/, every run on
one dense baseline (the report's origin run's when it exists, else the first run trains it). `measure` times every run's
file found under runs/reports (decompressed, shrunk as saved, masks baked) against a dense model of the same architecture
at batch 1 and 64, in torch eager, onnxruntime and int8 onnxruntime (bench/runtime_bench.py's `measure`), once per thread
count, on a machine left alone; it also measures the test accuracy in int8 onnxruntime of every file and of its dense
baseline (`deepcomp export --int8 --evaluate`, activation ranges from training images); and updates nbs/reports/results/runtime.csv and runtime_meta.json: the rows and commands of the runs measured
now replace theirs, the rows of runs not on this machine stay as they were (each row names its CPU and date)."""
import argparse, copy, json, os, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = {'vgg7': ('vgg7_cifar10', 'vgg7_cifar10_origin_s0'), 'resnet18': ('resnet18_cmnist', 'resnet18_cmnist_origin_s0')}  # data set prefix, dense baseline's run
RECIPES = ('filter', 'filter_long')  # configs/reports/<prefix>_<recipe>.toml, where it exists
RESULTS = ROOT/'nbs/reports/results'

def run_dir(config, target): return ROOT/'runs/reports'/f"{config}{round(target*100)}_s0"

def train(models, targets, recipes, data):
    from deepcomp.pipeline import compress
    for model in models:
        origin = ROOT/'runs/reports'/RUNS[model][1]/'0_baseline/model.pth'
        base = origin if origin.exists() else None
        for config in [f'{RUNS[model][0]}_{r}' for r in recipes if (ROOT/'configs/reports'/f'{RUNS[model][0]}_{r}.toml').exists()]:
            for t in targets:
                sets = [f'passes.prune.group.target={t}'] + ([f'baseline={base}'] if base else [])
                print(f"\n=== {config}, FLOPs target -{t:.0%}: {run_dir(config, t).relative_to(ROOT)}" + (f" (baseline {base.relative_to(ROOT)})" if base else ''), flush=True)
                compress(ROOT/'configs/reports'/f'{config}.toml', run_dir(config, t), overrides=sets, data_path=data)
                base = base or run_dir(config, t)/'0_baseline/model.pth'

def command(name, run, target, baseline=None):
    "The compress command of one run (the baseline it started from, as a path under the repository)"
    b = f" --set baseline={Path(baseline).resolve().relative_to(ROOT)}" if baseline else ''
    return f"deepcomp compress --config configs/reports/{name}.toml --out runs/reports/{run} --set seed=0 --set passes.prune.group.target={target}{b}"

def int8_accuracies(f, run, baseline, cache:dict)->dict:
    """Test accuracy in int8 onnxruntime (`deepcomp export --int8`: activation ranges from 512 training images) of a run's
    file, and of its dense baseline (kept in `cache` by the baseline's path)"""
    from deepcomp.shrink import export_onnx
    from deepcomp.coding.file import read_manifest, save_compressed
    from deepcomp.models import create_model
    from deepcomp.train import load_state
    src = ROOT/baseline['info']['loaded'] if baseline['info'].get('loaded') else run/baseline['dir']/'model.pth'
    with tempfile.TemporaryDirectory() as tmp:
        r = export_onnx(f, Path(tmp)/'f.onnx', int8=True, evaluate=True)
        if src not in cache:
            man = read_manifest(f); dense = load_state(create_model(man['arch']['name'], **man['arch'].get('kwargs', {})), src)
            save_compressed(dense, Path(tmp)/'dense.dcz', meta=man.get('meta'))
            d = export_onnx(Path(tmp)/'dense.dcz', Path(tmp)/'d.onnx', int8=True, evaluate=True)
            cache[src] = dict(dense_fp32_accuracy_check=d['torch_accuracy'], dense_int8_accuracy=d['onnx_accuracy'])
    return dict(int8_accuracy=r['onnx_accuracy'], int8_agree_check=r['agree'], **cache[src])

def measure_all(threads, seconds):
    import datetime, re, torch
    import pandas as pd
    from runtime_bench import bench_file, wait_for_quiet, cpu_name
    from deepcomp.reports import machine_info
    rows, commands, cpu, day = [], {}, cpu_name(), datetime.date.today().isoformat()
    load0, q8 = wait_for_quiet(300), {}
    runs = [(model, prefix, d.name[:m.start()], d) for model, (prefix, _) in RUNS.items() for d in sorted((ROOT/'runs/reports').glob(f'{prefix}_filter*_s0'))
            if (m := re.search(r'\d+_s0$', d.name)) and (d/'report.json').exists()]
    for model, prefix, name, d in runs:
        rep = json.loads((d/'report.json').read_text()); h = rep['headline']; f = ROOT/h['file'] if not Path(h['file']).is_absolute() else Path(h['file'])
        p = {q['name']: q for q in rep['passes']}
        target = next(q['info']['group']['target'] for q in rep['passes'] if 'group' in q['info'])
        acc8 = int8_accuracies(f, d, p['baseline'], q8)
        for n in threads:
            torch.set_num_threads(n)
            with tempfile.TemporaryDirectory() as tmp:
                r = bench_file(f, seconds, tmp); m = {'dense': r['dense'], 'pruned': r['file']}
            rows.append(dict(model=model, run=d.name, recipe=name[len(prefix) + 1:], cpu=cpu, date=day,
                             retrain_epochs=rep['config'].get('passes', {}).get('retrain', {}).get('training', {}).get('max_epochs'),
                             target_flops=target, threads=n, dense_accuracy=p['baseline']['metrics']['accuracy'],
                             shrunk_accuracy=p['retrain']['metrics']['accuracy'], accuracy=h['accuracy'], file_bytes=h['file_bytes'], **acc8,
                             **{f'{v}_{k}': x for v, r in m.items() for k, x in r.items()}))
            print(f"{d.name}, {n} thread(s): batch-1 latency {m['dense']['torch_latency_ms']:.2f} -> {m['pruned']['torch_latency_ms']:.2f} ms "
                  f"({m['dense']['torch_latency_ms']/m['pruned']['torch_latency_ms']:.2f}x), FLOPs {m['dense']['flops']/m['pruned']['flops']:.2f}x fewer, "
                  f"accuracy {h['accuracy']:.4f} (dense {p['baseline']['metrics']['accuracy']:.4f}); int8 onnxruntime {m['dense']['ort_latency_ms']/m['pruned']['ort_int8_latency_ms']:.2f}x "
                  f"the dense model in float32 onnxruntime at accuracy {acc8['int8_accuracy']:.4f} (dense int8 {acc8['dense_int8_accuracy']:.4f})", flush=True)
        commands[d.name] = command(name, d.name, target, p['baseline']['info'].get('loaded'))
    RESULTS.mkdir(parents=True, exist_ok=True)
    new, old = pd.DataFrame(rows), pd.read_csv(RESULTS/'runtime.csv') if (RESULTS/'runtime.csv').exists() else pd.DataFrame()
    if len(old): old = old[~old.run.isin(new.run)]
    pd.concat([old, new], ignore_index=True).to_csv(RESULTS/'runtime.csv', index=False)
    prev = json.loads((RESULTS/'runtime_meta.json').read_text()) if (RESULTS/'runtime_meta.json').exists() else {}
    meta = dict(machine={**machine_info(), 'cpu': cpu}, load_average_start=load0, load_average_end=os.getloadavg()[0], seconds_per_timing=seconds,
                commands={**prev.get('commands', {}), **commands, 'measure': 'python bench/runtime_report.py measure --threads ' + ' '.join(map(str, threads))})
    (RESULTS/'runtime_meta.json').write_text(json.dumps(meta, indent=1))
    print(f"wrote {RESULTS/'runtime.csv'} ({len(new)} rows measured now, {len(old)} kept)")

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('what', choices=['train', 'measure'])
    p.add_argument('--models', nargs='+', default=list(RUNS), choices=list(RUNS))
    p.add_argument('--targets', nargs='+', type=float, default=[0.4, 0.55, 0.7], help='fractions of the dense FLOPs to remove')
    p.add_argument('--recipes', nargs='+', default=['filter'], choices=RECIPES, help='train: configs/reports/<data set>_<recipe>.toml')
    p.add_argument('--threads', nargs='+', type=int, default=[1, 2], help='measure: torch and onnxruntime thread counts')
    p.add_argument('--seconds', type=float, default=2.0, help='measure: seconds of calls per model in each timing (interleaved)')
    p.add_argument('--data', default=None, help='train: local .npz file or folder (default: $DEEPCOMP_DATA)')
    a = p.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    if a.what == 'train': train(a.models, a.targets, a.recipes, a.data)
    else: measure_all(a.threads, a.seconds)

if __name__ == '__main__': main()
