"""CPU latency (batch 1) and throughput (batch 64) of the dense, masked and shrunk model, in torch eager, in onnxruntime and in
onnxruntime int8 (deepcomp.shrink.quantize_onnx: int8 weights per channel, uint8 activations), with parameters, FLOPs and peak inference memory, as ratios to the dense model measured in one run.

    DEEPCOMP_THREADS=1 python bench/runtime_bench.py [--models vgg7 resnet18 mobilenet_v2] [--sparsity 0.5] [--seconds 1]
    DEEPCOMP_THREADS=1 python bench/runtime_bench.py --files run/8_huffman/model.dcz ...   # trained files against their dense architecture

With --files: each deepcomp file (decompressed, shrunk as it was saved, masks baked) against a dense model of the
architecture its manifest names (the same input shape; weights do not change the time), instead of the built-in models.
Otherwise: random weights, filter-pruned by L1 (`prune_model(..., 'filter', 'l1')`, the classifier left dense); VGG7 and ResNet18 at
width 1/4 on 32x32 images, torchvision's MobileNetV2 (width 1) on 64x64 images. Peak memory is the fp32 weight bytes plus the
growth of a fresh process's peak resident set over one batch-64 forward pass (Linux VmHWM, reset before the pass). int8 activation
ranges come from 256 training images of a file's data set where it is at hand, else from seeded random inputs (they set the
ranges, not the speed; accuracy is measured elsewhere: `deepcomp export FILE --onnx OUT --int8 --evaluate`). Each timing
(torch, onnxruntime or int8 onnxruntime, batch 1 or 64) interleaves the calls of every model compared, one of each in turn, for --seconds per
model, and takes each model's median: the ratios hold when the machine's speed drifts. Prints the CPU and the load average
(waits for a load average below 1, up to --wait seconds, and says so if it never came)."""
import argparse, copy, json, os, platform, resource, statistics, subprocess, sys, tempfile, time, warnings
from pathlib import Path
import torch

MODELS = {'vgg7': ('vgg7', dict(width=0.25), (3, 32, 32), ('classifier.*',)),
          'resnet18': ('resnet18', dict(width=0.25), (3, 32, 32), ('fc',)),
          'mobilenet_v2': ('torchvision.models:mobilenet_v2', dict(num_classes=10), (3, 64, 64), ('classifier.*',))}

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in subprocess.run(['lscpu'], capture_output=True, text=True).stdout.splitlines() if l.startswith('Model name'))
    except Exception: return platform.processor() or 'unknown'

def wait_for_quiet(limit):
    t0 = time.time()
    while os.getloadavg()[0] > 1 and time.time() - t0 < limit: time.sleep(15)
    return os.getloadavg()[0]

def timed(fs:dict, seconds, min_runs=5):
    """Median seconds of one call of each function in `fs` (name -> function), the calls interleaved (one of each in turn, the
    order rotating) for about `seconds` per function, after one warm-up call each: a slow spell of the machine falls on all alike"""
    for f in fs.values(): f()
    ts, names, t0 = {k: [] for k in fs}, list(fs), time.time()
    while min(map(len, ts.values())) < min_runs or time.time() - t0 < seconds*len(fs):
        names = names[1:] + names[:1]
        for k in names:
            t = time.perf_counter(); fs[k](); ts[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in ts.items()}

def peak_memory(model, shape):
    "Weight bytes plus the peak growth of a fresh process's resident set over one batch-64 forward pass (VmHWM reset first)"
    with tempfile.TemporaryDirectory() as d:
        p = Path(d)/'m.pt'; torch.save(model, p)
        code = ("import sys, torch, deepcomp.shrink\ntorch.set_num_threads(1)\nm = torch.load(sys.argv[1], weights_only=False).eval()\n"
                f"x = torch.randn(64, *{tuple(shape)})\nkb = lambda k: int(next(l for l in open('/proc/self/status') if l.startswith(k)).split()[1])\n"
                "with torch.no_grad(): m(x[:2])\nopen('/proc/self/clear_refs', 'w').write('5')\nb = kb('VmRSS:')\n"
                "with torch.no_grad(): m(x)\nprint((kb('VmHWM:') - b)*1024)")
        r = subprocess.run([sys.executable, '-W', 'ignore', '-c', code, str(p)], capture_output=True, text=True)
        act = int(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else float('nan')
    return act + 4*sum(t.numel() for t in model.parameters())

def measure(models:dict, shape, seconds, onnx_dir, calib=None)->dict:
    """Costs and speeds of each model in `models` (name -> nn.Module): every timing interleaves the models' calls. Each model
    runs in torch eager, in onnxruntime, and in onnxruntime int8 (`quantize_onnx`, activation ranges from `calib`, default
    seeded random inputs: they set the ranges, not the speed)"""
    from deepcomp.metrics import layer_stats
    from deepcomp.mask import bake
    from deepcomp.shrink import _to_onnx, quantize_onnx
    import onnxruntime as ort
    x1, x64 = torch.randn(1, *shape), torch.randn(64, *shape)
    calib = torch.randn(64, *shape, generator=torch.Generator().manual_seed(0)) if calib is None else calib
    so = ort.SessionOptions(); so.intra_op_num_threads = so.inter_op_num_threads = torch.get_num_threads()
    out, sessions, q8 = {}, {}, {}
    for k, m in models.items():
        m.eval(); st = layer_stats(m, shape); f = Path(onnx_dir)/f'{k}.onnx'; _to_onnx(bake(copy.deepcopy(m)), x1, f)
        quantize_onnx(f, Path(onnx_dir)/f'{k}.int8.onnx', calib)
        sessions[k] = ort.InferenceSession(str(f), so, providers=['CPUExecutionProvider'])
        q8[k] = ort.InferenceSession(str(Path(onnx_dir)/f'{k}.int8.onnx'), so, providers=['CPUExecutionProvider'])
        out[k] = dict(params=int(st.loc['total', 'params']), flops=int(st.loc['total', 'flops']), peak_memory=peak_memory(m, shape), onnx_bytes=f.stat().st_size,
                      int8_onnx_bytes=(Path(onnx_dir)/f'{k}.int8.onnx').stat().st_size)
    with torch.no_grad():
        for col, fs in (('torch_latency_ms', {k: (lambda m=m: m(x1)) for k, m in models.items()}),
                        ('torch_images_per_s', {k: (lambda m=m: m(x64)) for k, m in models.items()}),
                        ('ort_latency_ms', {k: (lambda s=s: s.run(None, {'input': x1.numpy()})) for k, s in sessions.items()}),
                        ('ort_images_per_s', {k: (lambda s=s: s.run(None, {'input': x64.numpy()})) for k, s in sessions.items()}),
                        ('ort_int8_latency_ms', {k: (lambda s=s: s.run(None, {'input': x1.numpy()})) for k, s in q8.items()}),
                        ('ort_int8_images_per_s', {k: (lambda s=s: s.run(None, {'input': x64.numpy()})) for k, s in q8.items()})):
            for k, t in timed(fs, seconds).items(): out[k][col] = t*1e3 if col.endswith('_ms') else 64/t
    return out

def bench(name, sparsity, seconds, onnx_dir):
    from deepcomp.models import create_model
    from deepcomp.prune.core import prune_model
    from deepcomp.shrink import shrink
    arch, kw, shape, skip = MODELS[name]
    torch.manual_seed(0); dense = create_model(arch, **kw).eval()
    masked = copy.deepcopy(dense)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); prune_model(masked, sparsity, 'filter', 'l1', skip=skip)
    small = shrink(masked, torch.randn(8, *shape))
    x = torch.randn(16, *shape)
    with torch.no_grad(): err = float((masked(x) - small(x)).abs().max() / masked(x).abs().max())
    return measure({'dense': dense, 'masked': masked, 'shrunk': small}, shape, seconds, onnx_dir), err

def bench_file(path, seconds, onnx_dir):
    "A compressed file's model against the dense model of its architecture"
    from deepcomp.coding.file import load_compressed, read_manifest
    from deepcomp.mask import bake
    from deepcomp.models import create_model
    from deepcomp.shrink import _input_shape
    arch = read_manifest(path)['arch']; shape = _input_shape(arch)
    from deepcomp.shrink import calibration_inputs
    small, dense = bake(load_compressed(path)).eval(), create_model(arch['name'], **arch.get('kwargs', {})).eval()
    try: calib = calibration_inputs(path, 256)  # the file's own training images where they are at hand
    except ValueError: calib = None
    return measure({'dense': dense, 'file': small}, shape, seconds, onnx_dir, calib)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', nargs='+', default=list(MODELS), choices=list(MODELS))
    p.add_argument('--sparsity', type=float, default=0.5, help='fraction of filters pruned per layer')
    p.add_argument('--seconds', type=float, default=1.0, help='seconds of calls per model in each timing (interleaved)')
    p.add_argument('--wait', type=float, default=300, help='seconds to wait for a load average below 1')
    p.add_argument('--files', nargs='+', help='deepcomp files to measure against their dense architecture (instead of --models)')
    p.add_argument('--json', help='also write the results here')
    a = p.parse_args()
    from deepcomp.core import set_threads
    n = set_threads()
    import onnxruntime
    load0 = wait_for_quiet(a.wait)
    print(f"CPU: {cpu_name()}; {n} thread(s); torch {torch.__version__}, onnxruntime {onnxruntime.__version__}; load average {load0:.2f} at the start"
          + (" (above 1: other work shares this machine, times are noisy)" if load0 > 1 else ''))
    res = {}
    with tempfile.TemporaryDirectory() as d:
        for name in (a.files or a.models):
            if a.files:
                rows = bench_file(name, a.seconds, d); res[name] = dict(rows=rows)
                print(f"\n{name}: the file's model (as saved, masks baked) against its dense architecture; load average {os.getloadavg()[0]:.2f}")
            else:
                rows, err = bench(name, a.sparsity, a.seconds, d); res[name] = dict(rows=rows, shrunk_vs_masked_rel_error=err)
                print(f"\n{name}: filters pruned {a.sparsity:.0%} (L1, random weights); shrunk vs masked outputs: {err:.1e} relative; load average {os.getloadavg()[0]:.2f}")
            cols = ['params', 'flops', 'peak_memory', 'torch_latency_ms', 'torch_images_per_s', 'ort_latency_ms', 'ort_images_per_s', 'ort_int8_latency_ms', 'ort_int8_images_per_s']
            print(f"{'':8}" + ''.join(f"{c:>22}" for c in cols))
            for v, r in rows.items():
                print(f"{v:8}" + ''.join(f"{r[c]:>22,.3g}" if isinstance(r[c], float) else f"{r[c]:>22,}" for c in cols))
            for v in (r for r in rows if r != 'dense'):
                print(f"{v + '/dense':14}" + ''.join(f"{rows[v][c]/rows['dense'][c] if rows['dense'][c] else float('nan'):>22.2f}" for c in cols)[6:])
                print(f"{v + ' int8/dense':14}" + f"{rows['dense']['ort_latency_ms']/rows[v]['ort_int8_latency_ms']:>22.2f}"[6:]
                      + f"  (batch-1 speed-up of {v} in int8 onnxruntime over the dense model in float32 onnxruntime)")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    if a.json: Path(a.json).write_text(json.dumps(dict(cpu=cpu_name(), threads=n, load_start=load0, results=res), indent=1))

if __name__ == '__main__': main()
