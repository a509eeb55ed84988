"""Every hostile file, config and resume case of the hostile-input issue, run through the `deepcomp` CLI with two versions of the code.

usage: DEEPCOMP_THREADS=1 python bench/hostile_cases.py [--old /tmp/old] [--only NAME ...]

`--old` is a checkout of the code before the change (e.g. `git worktree add /tmp/old eb6c971`); without it only the
current code runs. Every case is made in a fresh folder (the files are format 2, which both versions read) and run by
a fresh wrapper process (`python -c`, the code's folder first on `sys.path`), which reports the child's exit status,
its output and its peak resident memory (`RUSAGE_CHILDREN.ru_maxrss`, process level). The child's address space is
capped at 6 GiB so that an unbounded read cannot take the machine.

A memory bomb passes only if its peak stays within 300 MB of `import` (below). A 'refuse' case passes when the command exits with status 2, prints exactly one line, starting `error:`, on stderr,
no traceback, no terminal escape codes on either stream, and leaves the folder as it was (nothing written, deleted or
changed). A resume case passes when the re-run rebuilds what was damaged (exit 0 and a final file that loads), or, for state it
cannot trust (a corrupt `progress.json`), refuses as above with a message that names the file. Python warnings on
stderr are not counted as lines.
`import` is the peak memory of importing torch and deepcomp and loading a real file: the memory bombs should cost
about that. The header also gives the peak of importing torch alone and deepcomp.models (torch and torchvision) alone: the
floor of any check that must build a model (the architecture bomb), whatever the file.
"""
import argparse, json, os, shutil, struct, subprocess, sys, tempfile, time, zipfile, zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--old', help='checkout of the code before the change')
p.add_argument('--only', nargs='*', help='run only these cases')
p.add_argument('--good', default=str(ROOT/'nbs/reports/results/lenet300_dc_s0.dcz'))
p.add_argument('--show', action='store_true', help="print each version's stderr where it fails")
args = p.parse_args()

WRAP = r'''
import json, resource, subprocess, sys
code, cwd, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
child = "import sys; sys.path.insert(0, %r); sys.argv[0] = 'deepcomp'; from deepcomp.cli import main; sys.exit(main(%r))" % (code, argv)
def cap(): resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
t = __import__('time').time()
try: r = subprocess.run([sys.executable, '-c', child], cwd=cwd, capture_output=True, text=True, errors='replace', preexec_fn=cap, timeout=900); rc, out, err = r.returncode, r.stdout, r.stderr
except subprocess.TimeoutExpired as e: rc, out, err = 'timeout', '', 'timeout'
print(json.dumps({'rc': rc, 'out': out[-4000:], 'err': err[-4000:], 'mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss//1024, 's': __import__('time').time() - t}))
'''

def run(code, cwd, argv):
    r = subprocess.run([sys.executable, '-c', WRAP, str(code), str(cwd), *map(str, argv)], capture_output=True, text=True, env={**os.environ, 'DEEPCOMP_THREADS': '1'})
    return json.loads(r.stdout.strip().splitlines()[-1])

IMPORTS = ('torch', 'deepcomp.models')  # what the architecture check needs: torch to build the model on the meta device, the factories (torchvision)

PEAK = "import resource, subprocess, sys; subprocess.run([sys.executable, '-c', sys.argv[1]]); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss//1024)"

def import_peak(code, module):
    "Peak resident memory (MB, process level) of a fresh interpreter that only imports `module` from `code`"
    r = subprocess.run([sys.executable, '-c', PEAK, f"import sys; sys.path.insert(0, {str(code)!r}); import {module}"], capture_output=True, text=True)
    return int(r.stdout.strip().splitlines()[-1])

def snapshot(d):
    return {str(q.relative_to(d)): (q.stat().st_size, q.stat().st_mtime_ns) for q in Path(d).rglob('*') if q.is_file()}

# ---- files (format 2) ----------------------------------------------------------------------------------------------
def v2(d, edit=None, members=None, name='f.dcz'):
    "A copy of the good file with its manifest edited (`edit(m)` may return replacement manifest bytes)"
    with zipfile.ZipFile(args.good) as z: mb, tb = z.read('manifest.json'), z.read('tensors.bin')
    m = json.loads(mb); out = edit(m) if edit else None
    mb = out if isinstance(out, bytes) else json.dumps(m).encode()
    with zipfile.ZipFile(Path(d)/name, 'w') as z:
        z.writestr(zipfile.ZipInfo('manifest.json'), mb, zipfile.ZIP_DEFLATED); z.writestr(zipfile.ZipInfo('tensors.bin'), tb)
        for n, b in members or (): z.writestr(zipfile.ZipInfo(n), b)
    return Path(d)/name

def manifest_bomb(d):
    "A zip written by hand whose headers claim a 2 KB manifest: the 1 MB deflated member inflates to 1 GiB of spaces before the JSON"
    with zipfile.ZipFile(args.good) as z: mb, tb = z.read('manifest.json'), z.read('tensors.bin')
    c, mib, crc = zlib.compressobj(9, zlib.DEFLATED, -15), b' '*(1 << 20), 0
    blob = b''.join(c.compress(mib) for _ in range(1024)) + c.compress(mb) + c.flush()
    for _ in range(1024): crc = zlib.crc32(mib, crc)
    out, cd = b'', b''
    for name, method, data, crc_, size in (('manifest.json', 8, blob, zlib.crc32(mb, crc), 2048), ('tensors.bin', 0, tb, zlib.crc32(tb), len(tb))):
        n = name.encode()
        cd += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, method, 0, 0x21, crc_, len(data), size, len(n), 0, 0, 0, 0, 0o644 << 16, len(out)) + n
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, method, 0, 0x21, crc_, len(data), size, len(n), 0) + n + data
    (Path(d)/'f.dcz').write_bytes(out + cd + struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 2, 2, len(cd), len(out), 0))
    return ['inspect', 'f.dcz']

def huge_tensor(d):
    "A 4e8-element sparse weight with empty streams (its codebook tables kept, the entry's size and CRC-32 honest)"
    with zipfile.ZipFile(args.good) as z: tb = z.read('tensors.bin')
    def e(m):
        t = m['tensors'][0]; n = t['parts']['tables'][1]
        t.update(shape=[20000, 20000], numel=4 * 10**8, nonzeros=0, size=n, crc32=zlib.crc32(tb[t['offset']:t['offset'] + n]),
                 gaps={**t['gaps'], 'n': 0, 'nbits': 0}, values={**t['values'], 'n': 0, 'nbits': 0}, parts={'tables': [0, n], 'gaps': [n, 0], 'values': [n, 0]})
        m['tensors'][2].update(shape=[20000, 20000], numel=4 * 10**8, nonzeros=0)
    v2(d, e); return ['inspect', 'f.dcz']

def huge_arch(d):
    def e(m): m['arch']['kwargs']['hidden'] = [10**6, 10**6]
    v2(d, e); return ['evaluate', 'f.dcz', '--dataset', 'synthetic']

def dev_zero(d): return ['inspect', '/dev/zero']

def bad_type(key, value):
    def case(d):
        def e(m): m[key] = value
        v2(d, e); return ['inspect', 'f.dcz']
    return case

def duplicate_member(d):
    import warnings; warnings.filterwarnings('ignore')
    v2(d, members=[('tensors.bin', b'other contents')]); return ['inspect', 'f.dcz']

def flipped_payload(d):
    f = v2(d); b = bytearray(f.read_bytes()); i = b.find(b'tensors.bin', 40) + 200; b[i] ^= 0x10; f.write_bytes(bytes(b))
    return ['inspect', 'f.dcz']

def escape_name(d):
    def e(m): m['tensors'][1]['name'] = '\x1b[2J\x1b[31m1.bias'
    v2(d, e); return ['inspect', 'f.dcz']

def missing_numel(d):
    def e(m): del m['tensors'][0]['numel']; del m['tensors'][0]['shape']
    v2(d, e); return ['inspect', 'f.dcz']

def wrong_data(d):
    "A LeNet-300-100 file (28x28x1 inputs) evaluated on 16x16 synthetic data"
    v2(d); return ['evaluate', 'f.dcz', '--dataset', 'synthetic']

# ---- configs --------------------------------------------------------------------------------------------------------
TINY = (ROOT/'configs/tiny_lenet300.toml').read_text()

def config(edit, *extra):
    def case(d):
        (Path(d)/'c.toml').write_text(edit(TINY)); return ['compress', '--config', 'c.toml', '--out', 'out', *extra]
    return case

def sub(old, new): return lambda t: t.replace(old, new, 1)
def add(section, line): return lambda t: t.replace(f'[{section}]\n', f'[{section}]\n{line}\n', 1)

def folder_config(d): (Path(d)/'c.toml').mkdir(); return ['compress', '--config', 'c.toml', '--out', 'out']
def out_is_file(d): (Path(d)/'c.toml').write_text(TINY); (Path(d)/'out').write_text('x'); return ['compress', '--config', 'c.toml', '--out', 'out']
def pickled_baseline(d):
    import pickle, torch
    torch.save({'model': torch.nn.Linear(2, 2)}, Path(d)/'base.pth', pickle_protocol=2)
    (Path(d)/'c.toml').write_text('baseline = "base.pth"\n' + TINY); return ['compress', '--config', 'c.toml', '--out', 'out']

# ---- resume ---------------------------------------------------------------------------------------------------------
def finished_run(code, d):
    (Path(d)/'c.toml').write_text(TINY); r = run(code, d, ['compress', '--config', 'c.toml', '--out', 'out'])
    assert r['rc'] == 0, r['err'][-500:]

def truncated_final(code, d):
    finished_run(code, d); f = max((Path(d)/'out').rglob('*.dcz'), key=lambda q: q.stat().st_mtime_ns)
    f.write_bytes(f.read_bytes()[:len(f.read_bytes())//2])
    return ['compress', '--config', 'c.toml', '--out', 'out'], 'loads'

def corrupt_progress(code, d):
    "A half-written progress.json: the re-run must say which file is corrupt and what to do (and touch nothing)"
    finished_run(code, d); f = next((Path(d)/'out').rglob('progress.json')); f.write_text('{"passes": [1, 2')
    return ['compress', '--config', 'c.toml', '--out', 'out'], 'progress.json'

CASES = [('manifest bomb (1 GiB inflated)', manifest_bomb), ('4e8-element tensor, empty streams', huge_tensor),
         ('arch hidden=[1e6, 1e6]', huge_arch), ('/dev/zero', dev_zero),
         ('tensors an integer', bad_type('tensors', 5)), ('tensors a list of strings', bad_type('tensors', ['a', 'b'])),
         ('arch a string', bad_type('arch', 'lenet300')), ('meta a string', bad_type('meta', 'mnist')),
         ('duplicate zip member', duplicate_member), ('flipped payload byte (inspect)', flipped_payload),
         ('escape codes in a name', escape_name), ('entry without numel and shape', missing_numel),
         ('data that does not fit the model', wrong_data),
         ('index_bits = 99', config(add('passes.huffman', 'index_bits = 99'))), ('index_bits = "fast"', config(add('passes.huffman', 'index_bits = "fast"'))),
         ('bits_fc = -3', config(sub('bits_fc = 4', 'bits_fc = -3'))), ('learning_rate = nan', config(sub('learning_rate = 1e-2', 'learning_rate = nan'))),
         ('batch_size = 0', config(sub('batch_size = 64', 'batch_size = 0'))), ('batch_size = -5', config(sub('batch_size = 64', 'batch_size = -5'))),
         ('max_epochs = -1', config(sub('max_epochs = 2', 'max_epochs = -1'))), ('learning_rate = -1', config(sub('learning_rate = 1e-2', 'learning_rate = -1'))),
         ('bits_fc = 0', config(sub('bits_fc = 4', 'bits_fc = 0'))), ('bits_fc = 64', config(sub('bits_fc = 4', 'bits_fc = 64'))),
         ('n_train = -5', config(lambda t: t + '\n[data]\nn_train = -5\n')), ('file_name = "../../escape.dcz"', config(add('passes.huffman', 'file_name = "../../escape.dcz"'))),
         ('model_args typo', config(sub('hidden = [32, 16]', 'hiden = [32, 16]'))), ('negative layer size', config(sub('hidden = [32, 16]', 'hidden = [-32, 16]'))),
         ('huge layer size', config(sub('hidden = [32, 16]', 'hidden = [1000000000, 16]'))),
         ('config path a folder', folder_config), ('--out a file', out_is_file), ('pickled checkpoint as baseline', pickled_baseline)]
RESUME = [('final .dcz truncated, re-run', truncated_final), ('corrupt progress.json, re-run', corrupt_progress)]

def _lines(err):
    "stderr lines, without Python warnings (a warning line and the source line after it)"
    out, skip = [], False
    for l in err.splitlines():
        if skip: skip = False; continue
        if 'Warning: ' in l: skip = True; continue
        if l.strip(): out.append(l)
    return out

BOMBS = ('manifest bomb (1 GiB inflated)', '4e8-element tensor, empty streams', 'arch hidden=[1e6, 1e6]', '/dev/zero')

def check_refuse(r, before, after, needs='', limit=None):
    lines = _lines(r['err'])
    why = [f"peak {r['mb']:,} MB" ] if limit and r['mb'] > limit else []
    if r['rc'] != 2: why.append(f"exit {r['rc']}")
    if 'Traceback' in r['err']: why.append('traceback')
    if len(lines) != 1 or not lines[0].startswith('error:'): why.append(f"{len(lines)} stderr lines" if lines else 'no error line')
    if '\x1b' in r['out'] + r['err']: why.append('escape codes echoed')
    if before != after: why.append('folder changed')
    if needs and needs not in r['err']: why.append(f"message does not name {needs}")
    return why, (lines[-1] if lines else '')[:110]

def check_resume(code, r, d):
    why = [] if r['rc'] == 0 else [f"exit {r['rc']}"]
    f = max((Path(d)/'out').rglob('*.dcz'), key=lambda q: q.stat().st_mtime_ns, default=None)
    probe = subprocess.run([sys.executable, '-c', f"import sys; sys.path.insert(0, {str(code)!r}); from deepcomp.coding.file import load_compressed; load_compressed({str(f)!r})"],
                           capture_output=True, text=True, cwd=d) if f else None
    if probe is None or probe.returncode: why.append('final file does not load')
    return why, (_lines(r['err']) or [''])[-1][:110]

codes = [('now', ROOT)] + ([('before', Path(args.old))] if args.old else [])
cpu = next((l.split(':', 1)[1].strip() for l in subprocess.run(['lscpu'], capture_output=True, text=True).stdout.splitlines() if l.startswith('Model name')), '?')
print(f"# hostile_cases  CPU {cpu}; code: " + ', '.join(f"{k} = {v}" for k, v in codes))
with tempfile.TemporaryDirectory() as d:
    v2(d); base = {k: run(c, d, ['inspect', 'f.dcz'])['mb'] for k, c in codes}
print('# import + inspect of the good file, peak MB: ' + ', '.join(f"{k} {v}" for k, v in base.items()))
print('# importing alone, peak MB (now): ' + ', '.join(f"{m} {import_peak(ROOT, m)}" for m in IMPORTS) + '\n')
print(f"{'case':38s} " + ' '.join(f"{k + ' ok':>9s} {'MB':>5s} {'s':>5s}" for k, _ in codes) + "   what the current code says (or why a version fails)")
fails = {k: 0 for k, _ in codes}
for name, make in CASES + RESUME:
    if args.only and name not in args.only: continue
    cells, say = [], ''
    for k, code in codes:
        with tempfile.TemporaryDirectory() as d:
            if (name, make) in RESUME:
                argv, expect = make(code, d); before = snapshot(d); r = run(code, d, argv)
                why, msg = check_resume(code, r, d) if expect == 'loads' else check_refuse(r, before, snapshot(d), expect)
            else:
                argv = make(d); before = snapshot(d); r = run(code, d, argv)
                why, msg = check_refuse(r, before, snapshot(d), limit=base[k] + 300 if name in BOMBS else None)
        fails[k] += bool(why)
        if why and args.show: print(f"  [{k}] exit {r['rc']}, stderr:\n    " + '\n    '.join(r['err'].strip().splitlines()[-6:]))
        cells.append(f"{'yes' if not why else 'NO':>9s} {r['mb']:5d} {r['s']:5.1f}")
        if k == 'now' and not why: say = msg
        elif why: say += (' | ' if say else '') + f"{k}: {', '.join(why)}"
    print(f"{name:38s} " + ' '.join(cells) + '   ' + say.replace('\n', ' '), flush=True)
print('\n# cases that fail: ' + ', '.join(f"{k} {v} of {len(CASES) + len(RESUME) if not args.only else len(args.only)}" for k, v in fails.items()))
