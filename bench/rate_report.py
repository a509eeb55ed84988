"""The runs behind nbs/reports/how_small.ipynb: run a command with its CPU time recorded, and collect finished runs into results/.

  python bench/rate_report.py run lenet300_s0 -- deepcomp compress --config configs/reports/rate_lenet300.toml --out runs/rate/lenet300_s0 --set seed=0
  python bench/rate_report.py collect lenet300_s0 lenet300_s1 ...

`collect` keeps the rows of runs it is not given (each row says the CPU it ran on) and re-codes their committed files in the
current format when that is newer, with every decoded tensor checked bit-identical (so their error is unchanged).

`run` appends {name, command, cpu_seconds (user + system of the command and its children), wall_seconds} to runs/rate/times.json.
`collect` reads runs/rate/<name>/report.json for each name and writes results/how_small_runs.csv (one row per run: file bytes,
test error of the model loaded back from the file, dense baseline error, CPU seconds, seed, command), results/how_small_estimate.csv
(per layer: the rate pass's estimate against the bytes of the file as written, and of the same tensors re-coded with the order-0
adaptive range codecs only), results/how_small_meta.json (machine, commands) and copies each file to results/rate_<name>.dcz.
"""
import json, os, resource, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd, torch

ROOT = Path(__file__).resolve().parents[1]
RUNS, RESULTS, TIMES = ROOT/'runs'/'rate', ROOT/'nbs'/'reports'/'results', ROOT/'runs'/'rate'/'times.json'
ORDER0 = ['range-sparse', 'range-dense', 'raw', 'shuffle-deflate', 'bits']  # the coder whose model the estimate is

def run(name, cmd):
    t0, r0 = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    rc = subprocess.call(cmd); r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    times[name] = dict(command=' '.join(cmd), rc=rc, cpu_seconds=round(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, 1), wall_seconds=round(time.time() - t0, 1))
    TIMES.parent.mkdir(parents=True, exist_ok=True); TIMES.write_text(json.dumps(times, indent=1))
    sys.exit(rc)

def collect(names):
    from deepcomp.pipeline import read_run, deployable
    from deepcomp.coding.file import load_compressed, save_compressed, size_table
    from deepcomp.reports import machine_info
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    rows, est, cpu = [], [], machine_info()['cpu']
    for n in names:
        rep = read_run(RUNS/n); h = rep['headline']; cfg = rep['config']
        rp = next(p for p in rep['passes'] if p['kind'] == 'rate')
        f = Path(h['file']); dst = RESULTS/f'rate_{n}.dcz'; shutil.copy(f, dst)
        rows.append(dict(name=n, model=cfg['model'], seed=rep['seed'], rate_weight=rp['info'].get('weight', cfg['passes']['rate'].get('weight')),
                         file_bytes=h['file_bytes'], fp32_bytes=h['fp32_bytes'], ratio=h['ratio'], baseline_error_pct=100*(1 - h['baseline_accuracy']),
                         file_error_pct=100*(1 - h['accuracy']), error_increase_pts=100*(h['baseline_accuracy'] - h['accuracy']),
                         weight_nonzeros=rep['passes'][-1]['metrics']['weight_nonzeros'], estimate_bytes=rp['info']['estimate_bytes'],
                         cpu_seconds=times.get(n, {}).get('cpu_seconds'), wall_seconds=times.get(n, {}).get('wall_seconds'),
                         command=times.get(n, {}).get('command'), file=str(dst.relative_to(ROOT)), cpu=cpu))
        ft = size_table(dst)
        with tempfile.TemporaryDirectory() as d:  # the same tensors with the order-0 adaptive range coder only
            m = load_compressed(dst)
            save_compressed(m, Path(d)/'o0.dcz', index_bits='auto', codecs=ORDER0); ft0 = size_table(Path(d)/'o0.dcz')
        for l in rp['info']['layers']:
            t = f"{l['layer']}.weight"
            est.append(dict(name=n, model=cfg['model'], seed=rep['seed'], layer=l['layer'], params=l['params'], nonzeros=l['nonzeros'],
                            estimate_bytes=l['estimate_bytes'], file_bytes=int(ft.loc[t, 'file']), file_encoding=ft.loc[t, 'encoding'],
                            order0_coder_bytes=int(ft0.loc[t, 'file'])))
        print(json.dumps(rows[-1]))
    old_meta = json.loads((RESULTS/'how_small_meta.json').read_text()) if (RESULTS/'how_small_meta.json').exists() else {}
    kept = [r for r in (pd.read_csv(RESULTS/'how_small_runs.csv').to_dict('records') if (RESULTS/'how_small_runs.csv').exists() else []) if r['name'] not in names]
    for r in kept:
        r['cpu'] = r.get('cpu') if isinstance(r.get('cpu'), str) else old_meta.get('machine', {}).get('cpu')
        recoded = recode(ROOT/r['file'])
        if recoded: r.update(file_bytes=recoded, ratio=r['fp32_bytes']/recoded)
    old_est = pd.read_csv(RESULTS/'how_small_estimate.csv') if (RESULTS/'how_small_estimate.csv').exists() else pd.DataFrame(columns=['name'])
    pd.DataFrame(kept + rows).sort_values(['model', 'seed'], ascending=True).to_csv(RESULTS/'how_small_runs.csv', index=False)
    pd.concat([old_est[~old_est.name.isin(names)], pd.DataFrame(est)]).sort_values(['model', 'seed'], ascending=True).to_csv(RESULTS/'how_small_estimate.csv', index=False)
    commands = {**old_meta.get('commands', {}), **{k: v['command'] for k, v in times.items()}}
    now, prev = machine_info(), old_meta.get('machine')  # the earlier machine is the last one of another CPU
    earlier = old_meta.get('earlier_machine') if not prev or prev.get('cpu') == now['cpu'] else prev
    (RESULTS/'how_small_meta.json').write_text(json.dumps({'machine': now, 'commands': commands, 'earlier_machine': earlier}, indent=1, default=str))

def recode(path)->int|None:
    "Re-write a deepcomp file in the current format if it is older (decoded tensors checked bit-identical); its new size, or None"
    from deepcomp.coding.file import VERSION, read_tensors, load_compressed, save_compressed
    m, st = read_tensors(path)
    if m['version'] >= VERSION: return None
    with tempfile.TemporaryDirectory() as d:
        q = Path(d)/'new.dcz'
        save_compressed(load_compressed(path), q, index_bits={e['name']: e['index_bits'] for e in m['tensors'] if 'index_bits' in e} or None, quant_info=m['quant_info'], meta=m['meta'])
        st2 = read_tensors(q)[1]
        assert list(st2) == list(st) and all(st[k].dtype == st2[k].dtype and st[k].shape == st2[k].shape and st[k].view(-1).view(torch.uint8).equal(st2[k].view(-1).view(torch.uint8)) if st[k].numel() else True for k in st), path
        shutil.copy(q, path)
    return Path(path).stat().st_size

if __name__ == '__main__':
    if sys.argv[1] == 'run': run(sys.argv[2], sys.argv[sys.argv.index('--') + 1:])
    elif sys.argv[1] == 'collect': collect(sys.argv[2:])
    else: sys.exit(__doc__)
