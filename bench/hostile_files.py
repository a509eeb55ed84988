"""Peak memory of a process that loads each memory-bomb file (deepcomp.coding.file refuses them all before allocating).

usage: DEEPCOMP_THREADS=1 python bench/hostile_files.py [--good nbs/reports/results/lenet300_dc_s0.dcz]

Each case is loaded by `load_compressed` in a fresh child process, itself started by a fresh runner; the runner prints
`resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss` (the child's peak resident memory). `import only` is the cost of
importing torch and deepcomp, `good file` of loading a real file; the bombs should cost no more than those.
"""
import argparse, json, struct, subprocess, sys, tempfile, zipfile, zlib
from pathlib import Path

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--good', default='nbs/reports/results/lenet300_dc_s0.dcz')
args = p.parse_args()

from deepcomp.coding.file import ZDICT, ZDICT4, _deflate, _inflate, _zinfo, _container_v4, _Raw, save_compressed, load_compressed

def raw_zip(path, members):
    "A zip written by hand from (name, method, bytes as stored, crc32, (compressed, size) claimed)"
    out, cd = b'', b''
    for name, method, data, crc, (csize, size) in members:
        n = name.encode()
        cd += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, method, 0, 0x21, crc, csize, size, len(n), 0, 0, 0, 0, 0o644 << 16, len(out)) + n
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, method, 0, 0x21, crc, csize, size, len(n), 0) + n + data
    Path(path).write_bytes(out + cd + struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, len(members), len(members), len(cd), len(out), 0))

def rewrite(src, dst, edit):
    "Copy a format-3 file with its manifest edited in place"
    with zipfile.ZipFile(src) as z: mb, tb = z.read('manifest'), z.read('tensors.bin')
    m = json.loads(_inflate(mb, 1 << 24, ZDICT)); edit(m)
    with zipfile.ZipFile(dst, 'w') as z:
        z.writestr(_zinfo('manifest', zipfile.ZIP_STORED), _deflate(json.dumps(m).encode(), ZDICT)); z.writestr(_zinfo('tensors.bin', zipfile.ZIP_STORED), tb)

def huge(m):
    e = m['tensors'][0]; e['shape'] = [20_000, 20_000]  # 4e8 elements; its mask is derived from it

d = Path(tempfile.mkdtemp())
good = d/'good.dcz'; save_compressed(load_compressed(args.good), good, version=3)  # the zip form: these cases are zip archives
with zipfile.ZipFile(good) as z: tb, tcrc, mb = z.read('tensors.bin'), z.getinfo('tensors.bin').CRC, z.read('manifest')
c = zlib.compressobj(9, zlib.DEFLATED, -15); zero = bytes(1 << 20)
bomb = b''.join(c.compress(zero) for _ in range(1024)) + c.flush()  # 1 MB that inflate to 1 GiB
T = ('tensors.bin', 0, tb, tcrc, (len(tb), len(tb)))
cases = {'manifest inflates to 1 GiB (format 3)': [('manifest', 0, bomb, zlib.crc32(bomb), (len(bomb), len(bomb))), T],
         'manifest.json claims 2 kB, inflates to 1 GiB': [('manifest.json', 8, bomb, 0, (len(bomb), 2048)), T],
         'manifest.json claims 60 MB, inflates to 1 GiB': [('manifest.json', 8, bomb, 0, (len(bomb), 60 << 20)), T],
         'tensors.bin claims 4 GB': [('manifest', 0, mb, zlib.crc32(mb), (len(mb), len(mb))), ('tensors.bin', 0, tb, tcrc, (0xFFFFFFF0, 0xFFFFFFF0))]}
files = {'good file': good}
for name, members in cases.items(): raw_zip(f := d/f'{len(files)}.dcz', members); files[name] = f
rewrite(good, f := d/'huge.dcz', huge); files['weight declares 4e8 elements'] = f
rewrite(good, f := d/'arch.dcz', lambda m: m['arch']['kwargs'].update(hidden=[10**6, 10**6])); files['lenet300 hidden=[1e6, 1e6]'] = f
good4 = d/'good4.dcz'; save_compressed(load_compressed(args.good), good4)  # format 4: its own container
with open(good4, 'rb') as fh: r4 = _Raw(fh, good4.stat().st_size); tb4 = r4.tensors()
(f := d/'bomb4.dcz').write_bytes(_container_v4(bomb, tb4)); files['manifest inflates to 1 GiB (format 4)'] = f
b4 = good4.read_bytes(); (f := d/'len4.dcz').write_bytes(b4[:4] + bytes([0xff]*7 + [0x7f]) + b4[r4.mstart:]); files['manifest length 2**56 (format 4)'] = f

CHILD = ("import sys; from deepcomp.coding.file import load_compressed\n"
         "try: load_compressed(sys.argv[1]); print('loaded')\nexcept Exception as e: print(f'{type(e).__name__}: {e}'.replace(sys.argv[1], 'FILE')[:150])")
RUNNER = ("import resource, subprocess, sys; r = subprocess.run([sys.executable, '-c', sys.argv[1], sys.argv[2]], capture_output=True, text=True)\n"
          "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024, r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr.strip()[-150:])")
def peak(*argv):
    out = subprocess.run([sys.executable, '-c', RUNNER, *argv], capture_output=True, text=True, check=True).stdout.split(' ', 1)
    return float(out[0]), out[1].strip()
print(f"{'case':48s} {'file bytes':>11s} {'peak MB':>8s}  outcome")
mb0, _ = peak("import torch, deepcomp.coding.file, deepcomp.coding.entropy, deepcomp.models; print('imported')", '')
print(f"{'import only':48s} {'':>11s} {mb0:8.0f}  imported")
for name, f in files.items():
    mb, outcome = peak(CHILD, str(f))
    print(f"{name:48s} {f.stat().st_size:11,d} {mb:8.0f}  {outcome}")
