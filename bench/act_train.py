"Train the two small baselines of the activation-pruning report (once; saved under the git-ignored runs/act/)"
import sys, time, json, torch
from deepcomp.core import set_threads, env_info
from deepcomp.data import get_dls
from deepcomp.models import create_model
from deepcomp.train import make_learner, fit, save_state, train_callbacks
from deepcomp.metrics import accuracy

SETUPS = {  # name: (dataset, get_dls kwargs, model, model kwargs, epochs, lr)
    'vgg7': ('cifar10', dict(n_train=10000, n_test=2000, bs=128), 'vgg7', dict(width=0.25), 8, 3e-3),
    'lenet5': ('mnist', dict(n_train=20000, n_test=2000, bs=128), 'lenet5', {}, 3, 3e-3)}

def train(name, out='runs/act'):
    ds, dkw, arch, mkw, epochs, lr = SETUPS[name]
    dls = get_dls(ds, seed=0, **dkw)
    model = create_model(arch, in_channels=dls.info['shape'][0], img_size=dls.info['shape'][1], **mkw)
    learn = make_learner(model, dls, cbs=train_callbacks({'bf16': 'auto'}, {}, None))  # bf16 where the CPU has it natively
    t = time.time(); fit(learn, epochs, lr, seed=0, quiet=True)
    model = model.to(memory_format=torch.contiguous_format)
    res = dict(name=name, dataset=ds, data=dkw, model=arch, model_args=mkw, epochs=epochs, lr=lr, seconds=round(time.time()-t, 1),
               test_accuracy=accuracy(model, dls.valid), env=env_info())
    save_state(model, f'{out}/{name}.pth'); open(f'{out}/{name}.json', 'w').write(json.dumps(res, indent=1))
    print(res)

if __name__ == '__main__':
    set_threads(1)
    for n in sys.argv[1:] or SETUPS: train(n)
