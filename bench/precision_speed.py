"""Training speed of a config's model in float32 and in bfloat16 autocast on this CPU, as ratios in one run.

    export DEEPCOMP_DATA=/work/shared/data
    python bench/precision_speed.py configs/reports/vgg7_cifar10_origin.toml --images 512 --threads 1 2
    python bench/precision_speed.py configs/reports/vgg7_cifar10_w8_origin.toml --images 1024 --threads 1

Times one epoch (forward, backward, Adam; batch size of the config, augmentation on) of `--images` training images
for float32, float32 with channels-last memory (`deepcomp.train.ChannelsLast`) and bfloat16 autocast with channels-last
(`deepcomp.train.CPUBF16`), each after a warm-up epoch (128 test images are evaluated too), and prints images per
second and the ratio to float32. Whether the CPU computes bfloat16 natively (`deepcomp.train.cpu_bf16`) is printed
first: where it does not, bf16 is emulated and slower than float32, which is what `bf16 = 'auto'` in a train section
avoids (it trains with `ChannelsLast` there).
"""
import argparse, platform, time
import torch
from deepcomp.train import read_config, dls_from_config, model_from_config, make_learner, CPUBF16, ChannelsLast, cpu_bf16

p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
p.add_argument('config'); p.add_argument('--images', type=int, default=512); p.add_argument('--threads', type=int, nargs='+', default=[1])
p.add_argument('--set', dest='overrides', action='append', default=[], metavar='KEY=VALUE', help='config override, e.g. model_args.width=0.125')
a = p.parse_args()
cfg = read_config(a.config, [*a.overrides, f'data.n_train={a.images}', 'data.n_test=128'])  # the timed epoch is almost all training
dls = dls_from_config(cfg, verbose=False)
print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, native bf16: {cpu_bf16()}, "
      f"capability {torch.backends.cpu.get_cpu_capability()}; {cfg['model']} {cfg.get('model_args', {})}, batch {cfg['batch_size']}, {a.images} images")
for n in a.threads:
    torch.set_num_threads(n); ref = None
    for name, cbs in [('float32', []), ('float32 channels-last', [ChannelsLast()]), ('bf16 autocast channels-last', [CPUBF16()])]:
        learn = make_learner(model_from_config(cfg, dls), dls, 'adam', cbs=cbs)
        with learn.no_bar(), learn.no_logging():
            learn.fit(1, 1e-3)  # warm-up epoch: allocations, kernels
            t = time.perf_counter(); learn.fit(1, 1e-3); dt = time.perf_counter() - t
        ips = len(dls.train)*dls.train.bs/dt; ref = ref or ips
        print(f"threads {n}  {name:28s} {ips:8.1f} img/s  {ips/ref:5.2f}x float32", flush=True)
