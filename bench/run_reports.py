"""Run the rows of the report notebooks (nbs/reports/) and save them as CSV/JSON in nbs/reports/results/.

Every table of a report notebook is built from the files this script writes; nothing is typed by hand.

    export DEEPCOMP_DATA=/work/shared/data DEEPCOMP_THREADS=1
    python bench/run_reports.py deep_compression --models lenet300 lenet5 --seeds 0 1 2   # report 1
    python bench/run_reports.py vgg7_cifar10 --seeds 0                                    # report 2, then its repeats:
    python bench/run_reports.py vgg7_cifar10 --only vgg7_cifar10_sensitivity --seeds 0 --repeat-seeds 1
    python bench/run_reports.py vgg7_cifar10_w8 --only vgg7_cifar10_w8_origin --seeds 0   # report 2 at width 1/8 (AVX2 CPUs),
    python bench/run_reports.py vgg7_cifar10_w8 --only vgg7_cifar10_w8_budget --seeds 0 --repeat-seeds 1 2   # on its baseline
    python bench/run_reports.py vgg7_cifar10_e12 --seeds 0   # report 2 at width 1/4 with a 12-epoch baseline (AVX2 CPUs, 2 threads)
    python bench/run_reports.py resnet18_cmnist --seeds 0                                 # report 3
    python bench/run_reports.py from_scratch --seeds 0 1 2                                # report 5 (runs lenet300_oneshot.toml too)
    python bench/run_reports.py collect                                                   # rebuild the report-1 CSVs from runs/

Runs go to runs/reports/<name>_s<seed>/ (git-ignored) and resume if interrupted (`deepcomp.pipeline.compress`).
"""
from __future__ import annotations
import argparse, json, os, platform, shutil, sys, time
from pathlib import Path
import pandas as pd, torch
from fastai.torch_core import set_seed
from deepcomp.core import env_info, set_threads
from deepcomp.pipeline import compress, summary
from deepcomp.train import make_learner, fit, save_state, load_state, dls_from_config, model_from_config, read_config, cpu_bf16
from deepcomp.metrics import accuracy, layer_stats
from deepcomp.prune.core import prune_model
from deepcomp.prune.schedule import GradualPruning

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT/'nbs'/'reports'/'results'
RUNS = ROOT/'runs'/'reports'
CONFIGS = {'lenet300': 'configs/reports/lenet300_dc.toml', 'lenet5': 'configs/reports/lenet5_dc.toml'}
SCRATCH_CONFIGS = {'lenet300': 'configs/reports/lenet300_oneshot.toml'}  # report 5: the paper's one-shot recipe against training sparse from scratch
# Deep Compression (Han et al., ICLR 2016), Table 1; sizes in KB as printed there
PAPER = pd.DataFrame([dict(model='lenet300', paper_error_ref=1.64, paper_error_compressed=1.58, paper_kb_ref=1070, paper_kb_compressed=27, paper_ratio=40),
                      dict(model='lenet5', paper_error_ref=0.80, paper_error_compressed=0.74, paper_kb_ref=1720, paper_kb_compressed=44, paper_ratio=39)]).set_index('model')
# Deep Compression Tables 2 and 3: weights kept (%) and weight bits per layer; layer names are our module names
PAPER_LAYERS = pd.DataFrame([('lenet300', '1.weight', 'ip1', 235_000, 8, 6), ('lenet300', '3.weight', 'ip2', 30_000, 9, 6), ('lenet300', '5.weight', 'ip3', 1_000, 26, 6),
                             ('lenet5', '0.weight', 'conv1', 500, 66, 8), ('lenet5', '2.weight', 'conv2', 25_000, 12, 8),
                             ('lenet5', '5.weight', 'ip1', 400_000, 8, 5), ('lenet5', '7.weight', 'ip2', 5_000, 19, 5)],
                            columns=['model', 'tensor', 'paper_layer', 'paper_params', 'paper_kept_pct', 'paper_bits'])

def machine_info()->dict:
    "Hardware and versions, for the top of a report"
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name')), platform.processor()) \
          if Path('/proc/cpuinfo').exists() else platform.processor()
    return {**env_info(), 'cpu': cpu, 'native_bf16': cpu_bf16(), 'threads_env': os.environ.get('DEEPCOMP_THREADS')}  # bf16 = 'auto' autocasts only where native

# ---- report 1: rows from a pipeline report ----
def pass_rows(report:dict, **extra)->list:
    "One row per pass: accuracy, non-zeros, bytes, seconds"
    s = summary(report).reset_index()
    return [{**extra, 'seed': report['seed'], **r} for r in s.to_dict('records')]

def layer_rows(report:dict, **extra)->list:
    "The size table of the compressed file (one row per tensor), with how each tensor was quantized"
    h = [p for p in report['passes'] if p['info'].get('table')][-1]
    q = {r['tensor']: r for p in report['passes'] if p['kind'] == 'quantize' for r in (p['info'].get('layers') or [])}
    return [{**extra, 'seed': report['seed'], **r, 'quant': q.get(r['tensor'], {}).get('kind'), 'bits': q.get(r['tensor'], {}).get('bits')}
            for r in h['info']['table']]

def stage_rows(report:dict, **extra)->list:
    "Deep Compression's stages: dense, pruned (+retrained), + quantized (+retrained), + Huffman (the file)"
    P = {p['name']: p for p in report['passes']}
    t = pd.DataFrame(layer_rows(report)).set_index('tensor')
    w = t[t.index.str.endswith('.weight') | t.index.str.endswith('.bias')]
    vi = w['values+indices (theory)'].fillna(w['dense (theory)']).sum()
    q = w['quantized (theory)'].fillna(w['file']).sum()
    last = lambda kind: [p for p in report['passes'] if p['kind'] == kind][-1]
    prune_i = [i for i, p in enumerate(report['passes']) if p['kind'] == 'prune'][-1]
    quant_i = [i for i, p in enumerate(report['passes']) if p['kind'] == 'quantize'][-1]
    pruned = [p for p in report['passes'][prune_i:quant_i] if p['kind'] == 'train'] or [report['passes'][prune_i]]
    quant = [p for p in report['passes'][quant_i:] if p['kind'] == 'train'] or [report['passes'][quant_i]]
    base, huf = report['passes'][0], last('huffman')
    fp32 = base['metrics']['dense_bytes']
    st = [('dense', base, fp32, 'fp32, all parameters'), ('pruned', pruned[-1], int(vi), 'fp32 values + index per non-zero (theory)'),
          ('+ quantized', quant[-1], int(q), 'codes + index + codebooks (theory)'), ('+ Huffman', huf, huf['info']['file_bytes'], 'bytes on disk of the file')]
    return [{**extra, 'seed': report['seed'], 'stage': s, 'pass': p['name'], 'accuracy': p['metrics']['accuracy'],
             'error_pct': 100*(1 - p['metrics']['accuracy']), 'weight_density': p['metrics']['weight_nonzeros']/p['metrics']['weight_params'],
             'bytes': b, 'ratio': fp32/b, 'size_is': how} for s, p, b, how in st]

def headline_row(report:dict, **extra)->dict:
    h = report['headline']
    return {**extra, 'seed': report['seed'], 'file_bytes': h['file_bytes'], 'fp32_bytes': h['fp32_bytes'], 'ratio': h['ratio'],
            'baseline_error_pct': 100*(1 - h['baseline_accuracy']), 'file_error_pct': 100*(1 - h['accuracy']),
            'error_increase_pts': 100*(h['baseline_accuracy'] - h['accuracy']),
            'seconds': sum(p['seconds'] for p in report['passes'])}

def deep_compression_tables(reports:dict)->dict:
    "`{(model, seed): report}` -> DataFrames: headline, stages, passes, layers"
    out = {k: [] for k in ('headline', 'stages', 'passes', 'layers')}
    for (model, seed), rep in sorted(reports.items()):
        out['headline'].append(headline_row(rep, model=model)); out['stages'] += stage_rows(rep, model=model)
        out['passes'] += pass_rows(rep, model=model); out['layers'] += layer_rows(rep, model=model)
    return {k: pd.DataFrame(v) for k, v in out.items()}

def run_deep_compression(models, seeds, data_path=None, quiet=False, configs=CONFIGS, tag='dc')->dict:
    "Run (or resume) the report-1 configs (or other `configs`, in runs/reports/<model>_<tag>_s<seed>) for every model and seed"
    reports = {}
    for m in models:
        for s in seeds:
            out = RUNS/f'{m}_{tag}_s{s}'; t = time.time()
            print(f"=== {m} seed {s} -> {out}", flush=True)
            reports[(m, s)] = compress(ROOT/configs[m], out, [f'seed={s}'], data_path, quiet=quiet)
            print(f"=== {m} seed {s}: {time.time() - t:.0f} s", flush=True)
    return reports

def redo_last_passes(run_dir, n:int=1, data_path=None)->dict:
    "Forget the last `n` passes of a finished run and run them again (e.g. the Huffman pass after a file-format change)"
    run_dir = Path(run_dir); prog = json.loads((run_dir/'progress.json').read_text())
    for p in prog['completed'][-n:]: shutil.rmtree(run_dir/p['dir'])
    prog['completed'] = prog['completed'][:-n]; (run_dir/'progress.json').write_text(json.dumps(prog, indent=1))
    return compress(prog['config'], run_dir, (), data_path, quiet=True)

def finished_reports(prefix='_dc_s', models=CONFIGS)->dict:
    "Every finished report-1 run under runs/reports (of the models in `models`)"
    reps = {}
    for d in sorted(RUNS.glob(f'*{prefix}*')):
        f = d/'report.json'
        m, _, s = d.name.partition(prefix)
        if f.exists() and m in models and s.isdigit(): reps[(m, int(s))] = json.loads(f.read_text())
    return reps

def save_deep_compression(reports:dict, results=RESULTS, name='deep_compression_mnist', configs=CONFIGS, tag='dc', files=True):
    "Write the report-1 CSVs (and, if `files`, copy the seed-0 compressed files)"
    results = Path(results); results.mkdir(parents=True, exist_ok=True)
    for k, df in deep_compression_tables(reports).items(): df.to_csv(results/f'{name}_{k}.csv', index=False)
    for (m, s), r in reports.items():  # the seed-0 files ship with the report, for `deepcomp inspect` / `evaluate`
        if files and s == 0 and Path(r['headline']['file']).exists(): shutil.copyfile(r['headline']['file'], results/f'{m}_{tag}_s0.dcz')
    cmds = {f'{m} seed {s}': f"deepcomp compress --config {configs.get(m, '?')} --out runs/reports/{m}_{tag}_s{s} --set seed={s}" for m, s in reports}
    (results/f'{name}_meta.json').write_text(json.dumps({'machine': machine_info(), 'commands': cmds, 'configs': {m: configs.get(m) for m, _ in reports},
                                                         'data': {f'{m} seed {s}': r['data'] for (m, s), r in reports.items()}}, indent=1, default=str))

# ---- reports 2 and 3: the original work's table (VGG7 / ResNet18) ----
# The original project's one published run (VGG7, CIFAR-10, weight sparsity 0.2, activation sparsity 0.1, L1 elementwise, 8-bit fixed point);
# its sizes were arithmetic on Conv2d parameters (fp32 = 4 bytes each), not files
ORIGIN_VGG7 = dict(conv_params_dense=4_576_384, conv_params_pruned=3_659_670, size_dense=18_320_936, size_pruned=14_661_248, size_8bit=3_665_312,
                   size_huffman=1_344_395, conv_flops_dense=1_215_037_440, conv_flops_pruned=541_312_576, acc_dense=0.9332, acc_finetuned=0.9334)

def conv_stats(report:dict, run_dir)->pd.DataFrame:
    "Conv2d parameters, non-zeros and FLOPs (dense and weight-density) of every saved pass of a pipeline run"
    from deepcomp.models import create_model
    cfg, d = report['config'], report['data']; c, h, w = d['shape']
    rows = []
    for p in report['passes']:
        m = create_model(cfg['model'], **{'in_channels': c, 'img_size': h, 'n_classes': d['n_classes'], **cfg.get('model_args', {})})
        load_state(m, Path(run_dir)/p['dir']/'model.pth')
        st = layer_stats(m, tuple(d['shape'])); cv = st[st.type == 'Conv2d']
        rows.append(dict(name=p['name'], conv_params=int(cv.weight_params.sum()), conv_nonzeros=int(cv.weight_nonzeros.sum()),
                         conv_flops=int(cv.flops.sum()), conv_flops_weight_density=int(cv.weight_density_flops.sum())))
    return pd.DataFrame(rows).set_index('name')

def origin_table(report:dict, run_dir, **extra)->dict:
    "The original work's table for one run: conv parameters and FLOPs, size after pruning / 8-bit / Huffman, accuracy"
    cs = conv_stats(report, run_dir); P = report['passes']
    kinds = [p['kind'] for p in P]
    ip, iq = kinds.index('prune'), kinds.index('quantize')
    pruned = [p for p in P[ip:iq] if p['kind'] == 'train'] or [P[ip]]
    last_train = [p for p in P if p['kind'] == 'train'][-1]
    base, huf = P[0], [p for p in P if p['kind'] == 'huffman'][-1]
    return {**extra, 'seed': report['seed'], 'conv_params_dense': cs.conv_nonzeros.iloc[0], 'conv_params_pruned': cs.loc[pruned[-1]['name'], 'conv_nonzeros'],
            'size_dense': 4*cs.conv_params.iloc[0], 'size_pruned': 4*cs.loc[pruned[-1]['name'], 'conv_nonzeros'], 'size_8bit': cs.loc[pruned[-1]['name'], 'conv_nonzeros'],
            'size_huffman': huf['info']['file_bytes'], 'all_fp32_bytes': base['metrics']['dense_bytes'],
            'conv_flops_dense': cs.conv_flops.iloc[0], 'conv_flops_pruned': cs.loc[huf['name'], 'conv_flops_weight_density'],
            'flops_effective_dense': base['metrics']['effective_flops'], 'flops_effective_final': huf['metrics']['effective_flops'],
            'acc_dense': base['metrics']['accuracy'], 'acc_finetuned': last_train['metrics']['accuracy'], 'acc_file': huf['metrics']['accuracy'],
            'ratio_file': base['metrics']['dense_bytes']/huf['info']['file_bytes'],
            'baseline_seconds': base['seconds'], 'compression_seconds': round(sum(p['seconds'] for p in P[1:]), 1), 'baseline_loaded': bool(base['info'].get('loaded'))}

# The original work's table, row by row: (label, column); sizes in bytes
ORIGIN_ROWS = [('Conv2d weights, dense', 'conv_params_dense'), ('Conv2d weights, after pruning (non-zeros)', 'conv_params_pruned'),
               ('size dense (4 B per Conv2d weight)', 'size_dense'), ('size after pruning (4 B per Conv2d non-zero)', 'size_pruned'),
               ('size after 8-bit quantization (1 B per Conv2d non-zero)', 'size_8bit'),
               ('size after Huffman (original: Conv2d codes; ours: the whole file on disk)', 'size_huffman'),
               ('all parameters, fp32 bytes', 'all_fp32_bytes'), ('compression ratio (original: Conv2d arithmetic; ours: all parameters fp32 / file)', 'ratio_file'),
               ('Conv2d FLOPs, dense', 'conv_flops_dense'), ('Conv2d FLOPs, after pruning (weight density)', 'conv_flops_pruned'),
               ('effective FLOPs, dense (zero inputs skipped)', 'flops_effective_dense'), ('effective FLOPs, compressed', 'flops_effective_final'),
               ('accuracy, dense', 'acc_dense'), ('accuracy after fine-tuning (last training pass)', 'acc_finetuned'),
               ('accuracy of the deployed model (loaded from the file)', 'acc_file')]

def origin_view(df:pd.DataFrame, published:dict|None=None)->pd.DataFrame:
    "The original work's table: one row per quantity, one column per run (and the published numbers, if any)"
    cols = {f"{r.config} (seed {r.seed})": r for r in df.itertuples()}
    t = pd.DataFrame({c: [getattr(r, k) for _, k in ORIGIN_ROWS] for c, r in cols.items()}, index=[l for l, _ in ORIGIN_ROWS])
    if published:
        pub = dict(published); pub.setdefault('ratio_file', pub['size_dense']/pub['size_huffman'] if 'size_huffman' in pub else None)
        t.insert(0, 'original (published)', [pub.get(k) for _, k in ORIGIN_ROWS])
    fmt = lambda v, k: '' if v is None or v != v else f"{v:.2%}" if k.startswith('acc') else f"{v:.1f}x" if k.startswith('ratio') else f"{int(v):,}"
    return t.apply(lambda col: [fmt(v, k) for v, (_, k) in zip(col, ORIGIN_ROWS)])

def origin_plot(df:pd.DataFrame, published:dict|None=None, ax=None):
    "Sizes at each stage of the original table (log scale), per run, with the deployed accuracy in the legend"
    import matplotlib.pyplot as plt
    stages = [('dense', 'size_dense'), ('pruned', 'size_pruned'), ('8-bit', 'size_8bit'), ('Huffman / file', 'size_huffman')]
    runs = ([('original (published)', published, f"{published['acc_finetuned']:.2%} (float weights)")] if published else []) + \
           [(f"{r['config']} s{r['seed']}", r, f"{r['acc_file']:.2%} (deployed)") for r in df.to_dict('records')]
    ax = ax or plt.subplots(figsize=(7, 3), dpi=70)[1]
    w = 0.8/len(runs)
    for i, (name, r, acc) in enumerate(runs):
        ax.bar([j + i*w for j in range(len(stages))], [r[k] for _, k in stages], w, label=f"{name}: {acc}")
    ax.set_xticks([j + w*(len(runs) - 1)/2 for j in range(len(stages))], [s for s, _ in stages])
    ax.set(yscale='log', ylabel='bytes'); ax.legend(fontsize=8, title='run: accuracy', title_fontsize=8)
    return ax

def runs_view(report:str, keys=('cpu', 'cpu_count', 'native_bf16', 'torch', 'fastai'), results=RESULTS)->pd.DataFrame:
    "Print the machine and the commands of a report's runs (from its meta file); return its rows"
    meta = json.loads((Path(results)/f'{report}_meta.json').read_text())
    print('runs made on:', {k: meta['machine'][k] for k in keys})
    for k, c in meta['commands'].items(): print(f"{k}: {c}")
    return pd.read_csv(Path(results)/f'{report}.csv')

def sensitivity_view(sens:pd.DataFrame, total:float, ax=None):
    "The per-layer sensitivity curves with the allocation of `total` (circles); prints the common tolerance"
    import matplotlib.pyplot as plt
    from deepcomp.prune.schedule import allocate, plot_sensitivity
    chosen = allocate(sens, total)
    print(f"common tolerance: {chosen.attrs['tolerance']:.1%} of accuracy per layer; total sparsity {chosen.attrs['total']:.2%}")
    ax = ax or plt.subplots(figsize=(7, 3.6), dpi=70)[1]
    plot_sensitivity(sens, chosen, ax=ax)
    return chosen

def budget_rule(fb:pd.DataFrame, allowance:float, target:float=21.0)->tuple:
    "The budget configs' rule on a `file_budget` table: the lowest total whose file, enlarged by `allowance`, is `target`x or more; and the table with that column"
    col = f'ratio / {allowance}'; fb = fb.drop(columns='overrides', errors='ignore').assign(**{col: fb.ratio/allowance})
    ok = fb.loc[fb[col] >= target, 'target']
    return (ok.min() if len(ok) else None), fb.style.hide(axis='index').format(
        {'target': '{:.2f}', 'total_sparsity': '{:.2%}', 'tolerance': '{:.1%}', 'file_bytes': '{:,}', 'ratio': '{:.1f}x', col: '{:.1f}x'})

def target_view(df:pd.DataFrame, config:str):
    "Per seed of `config`: deployed accuracy, points below the dense baseline, file bytes and ratio (printed: mean and spread)"
    t = df[df.config == config].assign(points_below=lambda d: 100*(d.acc_dense - d.acc_file))
    t = t[['seed', 'acc_dense', 'acc_file', 'points_below', 'size_huffman', 'ratio_file', 'compression_seconds']]
    sd = f", standard deviation {t.points_below.std():.2f}" if len(t) > 1 else ''
    print(f"points below the dense baseline: mean {t.points_below.mean():.2f}{sd}; smallest ratio {t.ratio_file.min():.1f}x")
    return t.style.hide(axis='index').format({'acc_dense': '{:.2%}', 'acc_file': '{:.2%}', 'points_below': '{:.2f}', 'size_huffman': '{:,}', 'ratio_file': '{:.1f}x', 'compression_seconds': '{:.0f}'})

def kept_view(ly:pd.DataFrame, config:str, seed:int=0):
    "Weights kept per pruned tensor of one run, and their bytes in the file"
    ly = ly[(ly.config == config) & (ly.seed == seed)].assign(density=lambda d: d.nonzeros/d.params, layer=lambda d: d.tensor.str.removesuffix('.weight'))
    return ly.set_index('layer')[['params', 'nonzeros', 'density', 'file']].style.format({'density': '{:.1%}', 'params': '{:,}', 'nonzeros': '{:,}', 'file': '{:,}'})

REPORT_RUNS = {'resnet18_cmnist': ['resnet18_cmnist_origin', 'resnet18_cmnist_dc'], 'vgg7_cifar10': ['vgg7_cifar10_origin', 'vgg7_cifar10_dc', 'vgg7_cifar10_sensitivity'],
               'vgg7_cifar10_w8': ['vgg7_cifar10_w8_origin', 'vgg7_cifar10_w8_budget'],
               'vgg7_cifar10_e12': ['vgg7_cifar10_e12_origin', 'vgg7_cifar10_e12_budget']}  # report -> configs/reports/<name>.toml

SHARED_BASELINE = ('model', 'model_args', 'dataset', 'data', 'batch_size', 'train')  # config keys that define the dense baseline
SHARE_BASELINE = {'vgg7_cifar10', 'vgg7_cifar10_w8', 'vgg7_cifar10_e12'}  # reports whose later configs reuse the first config's dense baseline (when those keys agree)

def _merge(old:pd.DataFrame, new:pd.DataFrame, keys=('config', 'seed'))->pd.DataFrame:
    "Rows of `old` whose `keys` are not in `new`, then `new`"
    if old.empty or new.empty: return new if not new.empty else old
    k = list(keys); seen = set(map(tuple, new[k].values.tolist()))
    return pd.concat([old[[tuple(r) not in seen for r in old[k].values.tolist()]], new], ignore_index=True)

def run_origin_report(report:str, seeds, data_path=None, results=RESULTS, repeat_seeds=(), only=())->pd.DataFrame:
    "Run (or resume) every config of a report 2/3 and save the original work's table for each run; `repeat_seeds`: more seeds of the last config on the first seed's dense baseline; `only`: just these configs, merged into the saved tables"
    rows, cmds, lrows = [], {}, []
    names = REPORT_RUNS[report]; first = read_config(ROOT/f'configs/reports/{names[0]}.toml')
    if unknown := set(only) - set(names): raise ValueError(f"not a config of {report}: {sorted(unknown)} (configs: {names})")
    res = Path(results); old = lambda f: pd.read_csv(res/f) if only and (res/f).exists() else pd.DataFrame()
    old_rows, old_layers = old(f'{report}.csv'), old(f'{report}_layers.csv')
    if only and (res/f'{report}_meta.json').exists(): cmds = json.loads((res/f'{report}_meta.json').read_text())['commands']
    last, df = [n for n in names if not only or n in only][-1], pd.DataFrame()
    for name in names:
        if only and name not in only: continue
        cfg = read_config(ROOT/f'configs/reports/{name}.toml')
        share = report in SHARE_BASELINE and name != names[0] and all(cfg.get(k) == first.get(k) for k in SHARED_BASELINE)
        extra = [x for x in repeat_seeds if x not in seeds] if share and name == last else []  # the compression passes' spread alone
        for s in list(seeds) + extra:
            out = RUNS/f'{name}_s{s}'; t = time.time(); print(f"=== {name} seed {s} -> {out}", flush=True)
            base = f'runs/reports/{names[0]}_s{s if s in seeds else seeds[0]}/0_baseline/model.pth'  # relative to the repository
            rep = compress(ROOT/f'configs/reports/{name}.toml', out, [f'seed={s}'] + ([f'baseline={ROOT/base}'] if share else []), data_path)
            cmds[f'{name} seed {s}'] = f"deepcomp compress --config configs/reports/{name}.toml --out runs/reports/{name}_s{s} --set seed={s}" + (f" --set baseline={base}" if share else '')
            rows.append(origin_table(rep, out, config=name))
            lrows += [r for r in layer_rows(rep, config=name) if r['encoding'] == 'sparse']  # the pruned weight tensors
            print(f"=== {name} seed {s}: {time.time() - t:.0f} s", flush=True)
            df = _merge(old_rows, pd.DataFrame(rows)); res.mkdir(parents=True, exist_ok=True); df.to_csv(res/f'{report}.csv', index=False)
            _merge(old_layers, pd.DataFrame(lrows)).to_csv(res/f'{report}_layers.csv', index=False)
            (res/f'{report}_meta.json').write_text(json.dumps({'machine': machine_info(), 'commands': cmds, 'data': rep['data']}, indent=1, default=str))
    return df

# ---- report 5: training from scratch with gradual pruning vs pruning a trained model ----
def layer_sparsities(cfg:dict)->dict:
    "Per-layer sparsities of a config's weight-pruning section"
    w = cfg['passes']['prune']['weight']
    return w.get('overrides') or {}

def train_gradual(cfg:dict, epochs:int, seed:int, data_path=None, start=0.1, end=0.6, n_steps=20, quiet=True, dls=None):
    "Train the config's model from scratch for `epochs`, pruning every layer to its sparsity with the cubic schedule"
    set_threads(); set_seed(seed); t0 = time.time()
    dls = dls or dls_from_config(cfg, data_path, verbose=False)
    model = model_from_config(cfg, dls); tr = cfg['train']
    cbs = [GradualPruning(s, start=start, end=end, n_steps=n_steps, skip=tuple(k for k in layer_sparsities(cfg) if k != n))
           for n, s in layer_sparsities(cfg).items()]
    learn = make_learner(model, dls, tr.get('optimizer', 'adam'), tr.get('weight_decay', 0.0), cbs=cbs)
    fit(learn, epochs, tr.get('learning_rate', 1e-3), tr.get('schedule', 'one_cycle'), seed, quiet)
    return model, dls, time.time() - t0

def train_sparse_init(cfg:dict, epochs:int, seed:int, data_path=None, quiet=True, dls=None):
    "Prune the freshly initialised model to the config's sparsities (L1 of the random weights), then train it for `epochs`"
    set_threads(); set_seed(seed); t0 = time.time()
    dls = dls or dls_from_config(cfg, data_path, verbose=False)
    model = model_from_config(cfg, dls); tr = cfg['train']
    prune_model(model, 0.9, overrides=layer_sparsities(cfg))
    learn = make_learner(model, dls, tr.get('optimizer', 'adam'), tr.get('weight_decay', 0.0))
    fit(learn, epochs, tr.get('learning_rate', 1e-3), tr.get('schedule', 'one_cycle'), seed, quiet)
    return model, dls, time.time() - t0

def scratch_row(method, model, dls, seed, epochs, seconds, **extra)->dict:
    st = layer_stats(model, dls.info['shape']); w = st[st.type.isin(['Conv2d', 'Linear'])]
    return {**extra, 'method': method, 'seed': seed, 'epochs': epochs, 'accuracy': accuracy(model, dls.valid),
            'weight_density': float(w.weight_nonzeros.sum()/w.weight_params.sum()), 'weight_nonzeros': int(w.weight_nonzeros.sum()),
            **{f'density_{n}': float(r.weight_nonzeros/r.weight_params) for n, r in w.iterrows() if n != 'total'}, 'seconds': round(seconds, 1)}

def from_scratch_rows(cfg, report:dict, seed:int, out:Path, data_path=None, quiet=True, dls=None)->list:
    "Report 5 rows for one seed: the report-1 run's pruned model (dense, pruning-round and retrain epochs) beside two from-scratch runs of as many epochs"
    cfg = read_config(cfg, [f'seed={seed}']) if not isinstance(cfg, dict) else cfg
    P = report['passes']; pi = [i for i, p in enumerate(P) if p['kind'] == 'prune'][0]
    w = cfg['passes']['prune']['weight']; prune_epochs = w.get('iterations', 1)*w.get('epochs_per_round', 1) if w.get('iterations', 1) > 1 else 0
    retrain = P[pi + 1]; epochs = P[0]['info'].get('epochs', cfg['train']['max_epochs']) + prune_epochs + retrain['info']['epochs']
    m = retrain['metrics']
    rows = [dict(method='prune trained, retrain (Deep Compression)', seed=seed, epochs=epochs, accuracy=m['accuracy'],
                 weight_density=m['weight_nonzeros']/m['weight_params'], weight_nonzeros=m['weight_nonzeros'],
                 seconds=round(P[0]['seconds'] + P[pi]['seconds'] + retrain['seconds'], 1))]
    for name, f in (('gradual from scratch (cubic schedule)', train_gradual), ('sparse from initialisation', train_sparse_init)):
        model, d, sec = f(cfg, epochs, seed, data_path, quiet=quiet, dls=dls)
        save_state(model, Path(out)/f"{name.split()[0]}_s{seed}.pth")
        rows.append(scratch_row(name, model, d, seed, epochs, sec))
    return rows

def run_from_scratch(seeds, data_path=None, model='lenet300', results=RESULTS):
    "Report 5 rows for every seed not yet in the results file (kept rows are reused)"
    reps = finished_reports('_oneshot_s', SCRATCH_CONFIGS); f = Path(results)/f'from_scratch_{model}.csv'
    rows = pd.read_csv(f).to_dict('records') if f.exists() else []
    for s in seeds:
        if any(r['seed'] == s for r in rows): print(f"seed {s}: already in {f}"); continue
        if (model, s) not in reps: reps.update(run_deep_compression([model], [s], data_path, True, SCRATCH_CONFIGS, 'oneshot'))
        t = time.time(); print(f"=== from scratch {model} seed {s}", flush=True)
        rows += from_scratch_rows(ROOT/SCRATCH_CONFIGS[model], reps[(model, s)], s, RUNS/f'{model}_scratch', data_path)
        print(pd.DataFrame(rows).tail(3).to_string(), f"\n=== {time.time() - t:.0f} s", flush=True)
        save_from_scratch(rows, model)
    return rows

def save_from_scratch(rows, model='lenet300', results=RESULTS):
    results = Path(results); results.mkdir(parents=True, exist_ok=True); f = results/f'from_scratch_{model}.csv'
    new = pd.DataFrame(rows)
    if f.exists():  # keep the seeds another process wrote meanwhile
        old = pd.read_csv(f); new = pd.concat([old[~old.seed.isin(new.seed)], new]).sort_values('seed', kind='stable')
    new.to_csv(f, index=False); rows = new.to_dict('records')
    (results/f'from_scratch_{model}_meta.json').write_text(json.dumps({'machine': machine_info(), 'config': SCRATCH_CONFIGS[model],
        'command': f'python bench/run_reports.py from_scratch --seeds {" ".join(str(s) for s in sorted({r["seed"] for r in rows}))}'}, indent=1, default=str))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('what', choices=['deep_compression', 'from_scratch', 'collect', *REPORT_RUNS])
    p.add_argument('--models', nargs='+', default=['lenet300', 'lenet5'])
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--repeat-seeds', nargs='*', type=int, default=[], help="reports 2/3: more seeds of the last config run (of --only, if given) on the first seed's baseline")
    p.add_argument('--only', nargs='*', default=[], help="reports 2/3: run just these configs and merge their rows into the saved tables")
    p.add_argument('--data', default=None)
    a = p.parse_args()
    if a.what == 'deep_compression': run_deep_compression(a.models, a.seeds, a.data); save_deep_compression(finished_reports())
    elif a.what == 'from_scratch': run_from_scratch(a.seeds, a.data)
    elif a.what in REPORT_RUNS: run_origin_report(a.what, a.seeds, a.data, repeat_seeds=a.repeat_seeds, only=a.only)
    else:
        save_deep_compression(finished_reports())
        save_deep_compression(finished_reports('_oneshot_s', SCRATCH_CONFIGS), name='lenet300_oneshot', configs=SCRATCH_CONFIGS, tag='oneshot', files=False)
