"""Format 3 (context-mixing and range-coded codecs: deepcomp.coding.cm, deepcomp.coding.entropy) against the Huffman codecs of format 2, lzma and zstd, on the report files and torchvision models.

usage: DEEPCOMP_THREADS=1 python bench/entropy_bench.py [--files nbs/reports/results/*.dcz] [--tv resnet18 mobilenet_v2] [--repeats 5]

For every report .dcz file, in one run:
1. the file re-written from its own tensors in format 2 with the Huffman codecs (everything but range-*) and in format 4 with every codec;
2. lzma -9e (xz, and raw LZMA2 lc0 lp0 pb0) and zstd -19 of the same quantized tensors, in two layouts, each one buffer
   of all tensors in state_dict order (pruning masks left out: they are the support):
   sparse: per codebook tensor (float32, at most 2**16 distinct values) its codebook as float32, its support as a
           bitmap (np.packbits), the codes of the stored entries as uint8 (uint16 if more than 256 codes);
   dense:  per codebook tensor its codebook as float32 and the code of every element as uint8/uint16;
   other tensors as their raw little-endian bytes (both layouts); then the best of all and file/best;
3. the sum of the order-0 entropies of the streams (gaps between stored positions, no fillers, and values; codes
   for tensors without zeros), codebooks not counted;
4. encode and decode CPU time of the range codecs over the Huffman codecs on the same tensors and supports (best of
   --repeats, timed in alternation).
--tv builds torchvision models (default resnet18 and mobilenet_v2; densenet121 has 727 tensors, most of them BatchNorm's) with random weights,
prunes every conv/linear weight 90% by magnitude, rounds it to 31 levels and zero, and writes it as real files like the reports'.
"""
import argparse, glob, hashlib, lzma, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, torch, zstandard

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--files', nargs='*', default=sorted(glob.glob('nbs/reports/results/*.dcz')))
p.add_argument('--tv', nargs='*', default=['resnet18', 'mobilenet_v2'], help="torchvision models with random weights (none: skip)")
p.add_argument('--repeats', type=int, default=5)
args = p.parse_args()

from deepcomp.core import set_threads, env_info
from deepcomp.coding.codecs import load_codecs; load_codecs()  # registers range-dense, range-sparse, cm-sparse
from deepcomp.coding.codecs import CODECS, encode_tensor, decode_tensor, to_numpy, codebook_codes, MAX_CODES
from deepcomp.coding.file import read_tensors, load_compressed, save_compressed
from deepcomp.coding.huffman import entropy_bits

set_threads(1)
cpu = next((l.split(':', 1)[1].strip() for l in subprocess.run(['lscpu'], capture_output=True, text=True).stdout.splitlines() if l.startswith('Model name')), '?')
info = env_info()
print(f"# entropy_bench  CPU {cpu}, torch {info['torch']}, numpy {info['numpy']}, 1 thread")
from deepcomp.coding.file import V2_CODECS
TODAY = [n for n in CODECS if n in V2_CODECS]
print(f"# today's codecs: {TODAY}; added: {[n for n in CODECS if n not in TODAY]}")

def codebook(t):
    "(codebook float32, codes) of a float32 tensor with at most 2**16 distinct values, else None"
    x = to_numpy(t)
    if x.dtype != np.float32 or not len(x) or len(np.unique(x.view(np.uint32))) > MAX_CODES: return None
    cb, codes = codebook_codes(np.where(x == 0, np.float32(0), x))
    return cb.view(np.float32), codes

def layouts(state, supports):
    "The bytes fed to lzma and zstd: {'sparse': ..., 'dense': ...}"
    out = {'sparse': [], 'dense': []}
    for n, t in state.items():
        if n.endswith('_mask'): continue
        cc = codebook(t)
        if cc is None:
            for v in out.values(): v.append(to_numpy(t).tobytes())
            continue
        cb, codes = cc; dt = np.uint8 if len(cb) <= 256 else '<u2'; sup = supports[n]
        out['sparse'].append(cb.astype('<f4').tobytes() + np.packbits(sup).tobytes() + codes[sup].astype(dt).tobytes())
        out['dense'].append(cb.astype('<f4').tobytes() + codes.astype(dt).tobytes())
    return {k: b''.join(v) for k, v in out.items()}

COMPRESSORS = {'lzma -9e': lambda b: lzma.compress(b, preset=9 | lzma.PRESET_EXTREME),
               'lzma raw lc0': lambda b: lzma.compress(b, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA2, 'preset': 9 | lzma.PRESET_EXTREME, 'lc': 0, 'lp': 0, 'pb': 0}]),
               'zstd -19': lambda b: zstandard.ZstdCompressor(level=19).compress(b)}

def order0(state, supports)->float:
    "Sum of the order-0 entropies (bytes) of the gap and value streams of the codebook tensors"
    tot = 0.
    for n, t in state.items():
        cc = None if n.endswith('_mask') else codebook(t)
        if cc is None: continue
        cb, codes = cc; sup = supports[n]
        if sup.all(): tot += entropy_bits(np.bincount(codes))*len(codes)/8; continue
        pos = np.flatnonzero(sup); gaps = np.diff(pos, prepend=-1) - 1
        tot += (entropy_bits(np.bincount(gaps))*len(gaps) + entropy_bits(np.bincount(codes[pos]))*len(pos))/8
    return tot

def timing(state, supports, index_bits):
    "CPU seconds (encode, decode) of Huffman and range codecs over the codebook tensors, best of --repeats in alternation"
    jobs = []
    for n, t in state.items():
        if n.endswith('_mask') or codebook(t) is None: continue
        sup = torch.from_numpy(supports[n]).reshape(t.shape)
        dense = bool(supports[n].all())
        jobs.append((t, None if dense else sup, index_bits.get(n, 5), ['dense'] if dense else ['sparse'], ['range-dense'] if dense else ['range-sparse'], None))
    def enc(which): return [encode_tensor(t, b, support=s, codecs=c[which]) for t, s, b, *c in jobs]
    def dec(coded): return [decode_tensor(e, dict(parts)) for e, parts in coded]
    best = {}
    for _ in range(args.repeats):
        for which, name in ((0, 'huffman'), (1, 'range'), (2, 'v4')):
            c0 = time.process_time(); coded = enc(which); c1 = time.process_time(); dec(coded); c2 = time.process_time()
            e, d = best.get(name, (1e9, 1e9)); best[name] = (min(e, c1 - c0), min(d, c2 - c1))
    return best

def digest(st): return {k: hashlib.sha256(to_numpy(torch.where(v == 0, torch.zeros_like(v), v) if v.is_floating_point() else v).tobytes()).hexdigest() for k, v in st.items()}

def write_formats(model, state, **kw)->tuple:
    "({'today', 'range', 'v4'}: bytes of `model` written as that file, whether every file decodes bit-identical to `state`)"
    sizes, same, ref = {}, True, digest(state)
    with tempfile.TemporaryDirectory() as d:
        for k, codecs in (('today', TODAY), ('range', [c for c in CODECS if c != 'cm-sparse']), ('v4', None)):
            q = Path(d)/f'{k}.dcz'
            sizes[k] = save_compressed(model, q, codecs=codecs, version=2 if k == 'today' else 4, **kw)['file_bytes']
            same &= digest(read_tensors(q)[1]) == ref
    return sizes, same

hdr = (f"{'model':28s} {'today':>9s} {'range':>9s} {'v4':>9s} {'saved':>6s} | {'lzma -9e':>8s} {'lzma lc0':>8s} {'zstd -19':>8s} {'best':>8s} {'layout':>6s} | "
       f"{'today/best':>10s} {'v4/best':>8s} | {'order-0':>8s} | {'enc/huf':>7s} {'dec/huf':>7s} {'enc/rng':>7s} {'dec/rng':>7s} {'dec s':>6s}")
rows = []
def report(name, today, rng, ours, state, supports, index_bits, identical=''):
    lay = layouts(state, supports)
    comp = {(c, l): len(f(b)) for l, b in lay.items() for c, f in COMPRESSORS.items()}
    bc = {c: min(v for (cc, l), v in comp.items() if cc == c) for c in COMPRESSORS}
    (bcn, bl), bv = min(comp.items(), key=lambda kv: kv[1])
    tm = timing(state, supports, index_bits)
    r = lambda a, b, i: tm[a][i]/tm[b][i]
    rows.append(f"{name:28s} {today:9,} {rng:9,} {ours:9,} {1 - ours/today:6.1%} | {bc['lzma -9e']:8,} {bc['lzma raw lc0']:8,} {bc['zstd -19']:8,} {bv:8,} {bl:>6s} | "
                f"{today/bv:10.3f} {ours/bv:8.3f} | {order0(state, supports):8,.0f} | {r('v4', 'huffman', 0):7.2f} {r('v4', 'huffman', 1):7.2f} "
                f"{r('v4', 'range', 0):7.2f} {r('v4', 'range', 1):7.2f} {tm['v4'][1]:6.3f}{identical}")
    print(rows[-1], flush=True)

print("\nbytes; 'today' (format 2, Huffman codecs), 'range' (format 4 without cm-sparse) and 'v4' (format 4, every codec) are whole .dcz files")
print("(torchvision models too); best = smallest of the general compressors over both layouts;")
print("enc/huf, dec/huf, enc/rng, dec/rng = CPU time of the codecs the format-4 file picks (encode: trying them all) over the Huffman codecs")
print("and over the constriction range codecs, on the same tensors (best of %d); dec s = CPU seconds to decode them\n" % args.repeats)
print(hdr); print('-'*len(hdr))
for f in args.files:
    m, st = read_tensors(f)
    ib = {e['name']: e['index_bits'] for e in m['tensors'] if 'index_bits' in e}
    model = load_compressed(f)
    sizes, same = write_formats(model, st, index_bits=ib or None, quant_info=m['quant_info'], meta=m['meta'])
    sup = {n: (st[n + '_mask'].numpy().reshape(-1) if n + '_mask' in st else to_numpy(t) != 0) for n, t in st.items() if not n.endswith('_mask')}
    sup = {n: (s if codebook(st[n]) is None or not (to_numpy(st[n])[~s] != 0).any() else to_numpy(st[n]) != 0) for n, s in sup.items()}
    report(Path(f).name, sizes['today'], sizes['range'], sizes['v4'], st, sup, ib, f"  (bit-identical: {same})")

for tv in args.tv:  # models outside the reports, written as real files
    from deepcomp.models import create_model
    torch.manual_seed(0)
    net = create_model(f'torchvision.models:{tv}', weights=None)
    with torch.no_grad():
        for n, t in net.state_dict().items():
            if t.dim() >= 2 and t.is_floating_point():
                a = t.abs(); t.copy_(torch.where(a > a.flatten().kthvalue(int(0.9*a.numel())).values, t, torch.zeros_like(t)))
                mx = t.abs().max(); t.copy_(torch.round(t/mx*15)/15*mx)
    st = {n: t.contiguous() for n, t in net.state_dict().items()}
    ib = {n: 8 if t.dim() == 4 else 5 for n, t in st.items() if t.dim() >= 2 and t.is_floating_point()}
    sizes, same = write_formats(net, st, index_bits=ib)
    sup = {n: to_numpy(t) != 0 for n, t in st.items()}
    for n, t in st.items():
        if codebook(t) is None or sup[n].all() or n not in ib: sup[n] = np.ones(t.numel(), bool)
    report(f"{tv} (random, 90%, 5b)", sizes['today'], sizes['range'], sizes['v4'], st, sup, ib, f"  ({len(st)} tensors; bit-identical: {same})")
