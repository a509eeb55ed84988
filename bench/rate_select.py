"""Choose the settings of [passes.rate] on held-out TRAINING images, never the test set.

One dense baseline and its pruning are run once with `data.holdout` (a prep run of the config cut before [passes.rate]);
every point then starts from that pruned checkpoint (distilling from that dense baseline) and runs the config's passes
from [passes.rate] on, each with its own `--set` overrides. One CSV row per point: the held-out accuracy of the model
loaded back from its file, the file's bytes, the rate pass's estimate and the CPU seconds. With `--holdout 0` the same
points are measured on the test set, starting from a finished test-set run (the rate-accuracy curve of the report).

  python bench/rate_select.py --config configs/reports/rate_lenet300.toml --prep runs/rate/l300_hold_prep \
      --out runs/rate/select --csv nbs/reports/results/rate_select_lenet300.csv \
      --point "passes.rate.weight=4" --point "passes.rate.weight=16;passes.rate.overrides.1=32"
"""
import argparse, json, os, re, time
from pathlib import Path
import pandas as pd
from deepcomp.pipeline import compress, read_pipeline_config

def point_config(config, prep, sets, holdout, seed, first='rate'):
    "The config from the first pass named `first` on, starting from the prep run's pruned model, with `sets` applied"
    cfg = read_pipeline_config(config, [f'seed={seed}'] + ([f'data.holdout={holdout}'] if holdout else []) + list(sets))
    prep = Path(prep); done = json.loads((prep/'progress.json').read_text())['completed']
    k = next((i for i, d in enumerate(done) if d['name'].startswith(first)), len(done))  # start from the prep's pass before `first`
    cfg['baseline'] = str(prep/done[k - 1]['dir']/'model.pth')
    names = list(cfg['passes']); start = next(i for i, n in enumerate(names) if n.startswith(first))
    cfg['passes'] = {n: cfg['passes'][n] for n in names[start:]}
    for sec in cfg['passes'].values():
        if sec.get('distill') and not sec.get('teacher'): sec['teacher'] = str(prep/done[0]['dir']/'model.pth')
    return cfg

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config', required=True); p.add_argument('--prep', required=True, help='a finished run of the config cut before [passes.rate], with data.holdout')
    p.add_argument('--out', required=True); p.add_argument('--csv', required=True)
    p.add_argument('--point', action='append', default=[], help="';'-separated key=value overrides of one point")
    p.add_argument('--first', default='rate', help='the first pass to run from the prep run on (default: rate)')
    p.add_argument('--holdout', type=int, default=10000, help='held-out training images to measure on; 0: the test set, for the report\'s curve around a recipe already chosen (never to choose one)'); p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    rows = pd.read_csv(a.csv).to_dict('records') if Path(a.csv).exists() else []
    for pt in a.point:
        sets = [s for s in pt.split(';') if s]
        if any(r['point'] == pt and r['seed'] == a.seed for r in rows): continue
        cfg = point_config(a.config, a.prep, sets, a.holdout, a.seed, a.first)
        out = Path(a.out)/(f's{a.seed}_' + '_'.join(re.sub(r'[^0-9A-Za-z.=]', '', s.removeprefix('passes.')) for s in sets) + ('' if a.holdout else '_test'))
        t0 = time.process_time(); rep = compress(cfg, out, quiet=True)
        rp = next(q for q in rep['passes'] if q['kind'] == 'rate')
        pr = next((q for q in rep['passes'] if q['kind'] == 'prune'), rep['passes'][0]); h = rep['headline']
        rows.append(dict(point=pt, seed=a.seed, holdout=a.holdout, holdout_error_pct=100*(1 - h['accuracy']), file_bytes=h['file_bytes'],
                         estimate_bytes=round(rp['info']['estimate_bytes']), weight_nonzeros=rp['metrics']['weight_nonzeros'],
                         prune_holdout_error_pct=100*(1 - pr['metrics']['accuracy']), cpu_seconds=round(time.process_time() - t0, 1), out=str(out)))
        print(json.dumps(rows[-1]), flush=True)
        pd.DataFrame(rows).to_csv(a.csv, index=False)

if __name__ == '__main__': main()
