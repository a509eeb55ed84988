"""Render the docs offline and screenshot a few pages into imgs/docs/.

    DEEPCOMP_THREADS=1 python bench/docs_screenshots.py [--force] [--readme] [--no-shots]

1. Processes every notebook as `nbdev_proc_nbs` does (nbdev's processors plus settings.ini `procs`) into `_proc/`,
   one notebook per process, skipping notebooks whose processed copy is newer than the notebook, `settings.ini`
   and `deepcomp/docs.py` (`--force` redoes all). A notebook that fails is reported and the others go on;
   markdown cells carrying an `outputs` key (invalid nbformat, which stops `nbdev_proc_nbs`) are read without it.
2. Renders `_proc/` to `_offline_docs/` with `deepcomp.docs.render_site` (`--readme` also rewrites README.md).
3. Screenshots PAGES with headless Chromium (`apt-get install -y chromium`), driven through its DevTools protocol
   (`websockets`) so a page can be scrolled to an anchor, at 1280x2000, as palette PNGs under 300 KB in imgs/docs/.
"""
import argparse, os, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {'index': 'index.html', 'prune_core': 'prune.core.html#prune_model', 'pipeline': 'pipeline.html',
         'report_deep_compression_mnist': 'reports/deep_compression_mnist.html', 'report_vgg7_cifar10': 'reports/vgg7_cifar10.html'}
PROC = """import os, sys; os.environ['IN_TEST'] = '1'
from execnb.nbio import read_nb, write_nb
from nbdev.processors import FilterDefaults
nb = read_nb(sys.argv[1])
for c in nb.cells:
    if c.cell_type != 'code': c.pop('outputs', None)
FilterDefaults()(nb); write_nb(nb, sys.argv[2])"""

def proc_nbs(force=False):
    "Process the notebooks into _proc/, one process each; return the ones that failed"
    from nbdev.doclinks import nbglob
    nbs, cache = ROOT/'nbs', ROOT/'_proc'
    newest = max((ROOT/'settings.ini').stat().st_mtime, (ROOT/'deepcomp'/'docs.py').stat().st_mtime)
    failed = []
    for src in nbglob(nbs, func=Path):
        dst = cache/src.relative_to(nbs)
        if not force and dst.exists() and dst.stat().st_mtime > max(src.stat().st_mtime, newest): continue
        dst.parent.mkdir(parents=True, exist_ok=True); t = time.time()
        r = subprocess.run([sys.executable, '-W', 'ignore', '-c', PROC, str(src), str(dst)], cwd=ROOT, capture_output=True, text=True)
        msg = '' if r.returncode == 0 else ' FAILED: ' + (r.stderr.strip().splitlines() or ['?'])[-1][:300]
        if msg: failed.append(src.name)  # its previous processed copy, if any, stays
        print(f'processed {src.relative_to(nbs)} in {time.time() - t:.1f}s{msg}', flush=True)
    return failed

async def _cdp_shots(jobs, width=1280, height=2000):
    "Screenshots (url, anchor or None, dest PNG) through Chromium's DevTools protocol: the page is scrolled to its anchor"
    import base64, json, socket, urllib.request, websockets
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as prof:
        proc = subprocess.Popen(['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                                 '--disable-component-update', '--no-first-run', f'--user-data-dir={prof}', f'--remote-debugging-port={port}',
                                 f'--window-size={width},{height}', 'about:blank'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try: targets = json.loads(urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list').read()); break
                except OSError: time.sleep(0.2)
            ws_url = next(t['webSocketDebuggerUrl'] for t in targets if t['type'] == 'page')
            async with websockets.connect(ws_url, max_size=None) as ws:
                n = 0
                async def call(method, **params):
                    nonlocal n; n += 1; await ws.send(json.dumps({'id': n, 'method': method, 'params': params}))
                    while True:
                        msg = json.loads(await ws.recv())
                        if msg.get('id') == n: return msg.get('result', {})
                await call('Page.enable')
                await call('Emulation.setDeviceMetricsOverride', width=width, height=height, deviceScaleFactor=1, mobile=False)
                for url, anchor, dest in jobs:
                    await call('Page.navigate', url=url)
                    for _ in range(200):
                        r = await call('Runtime.evaluate', expression='document.readyState', returnByValue=True)
                        if r['result'].get('value') == 'complete': break
                        time.sleep(0.1)
                    js = f'document.getElementById({json.dumps(anchor)}).scrollIntoView()' if anchor else 'window.scrollTo(0, 0)'
                    await call('Runtime.evaluate', expression=js)
                    time.sleep(0.3)
                    png = base64.b64decode((await call('Page.captureScreenshot', format='png'))['data'])
                    yield png, dest
        finally: proc.terminate(); proc.wait()

def shoot(pages, out):
    "Screenshot `pages` (name -> page path with an optional #anchor) of _offline_docs/ as palette PNGs in `out`"
    import asyncio, io
    from PIL import Image
    jobs = [((ROOT/'_offline_docs'/p.split('#')[0]).as_uri(), p.split('#')[1] if '#' in p else None, out/f'{name}.png')
            for name, p in pages.items()]
    async def run():
        async for png, dest in _cdp_shots(jobs):
            Image.open(io.BytesIO(png)).convert('RGB').quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(dest, optimize=True)
            print(f'{dest.relative_to(ROOT)}: {dest.stat().st_size // 1024} KB', flush=True)
    asyncio.run(run())

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--force', action='store_true', help='reprocess every notebook')
    p.add_argument('--readme', action='store_true', help='also rewrite README.md from index.ipynb')
    p.add_argument('--no-shots', action='store_true', help='render only')
    a = p.parse_args()
    os.environ.setdefault('DEEPCOMP_THREADS', '1')
    failed = proc_nbs(a.force)
    from deepcomp.docs import render_site
    render_site(str(ROOT/'_proc'), str(ROOT/'_offline_docs'), str(ROOT), a.readme)
    if not a.no_shots:
        out = ROOT/'imgs'/'docs'; out.mkdir(parents=True, exist_ok=True)
        shoot(PAGES, out)
    if failed: print('notebooks that failed to process (their pages are missing or from an earlier state):', ', '.join(failed))
