"""Run the rows of the report notebooks (nbs/reports/) and save them as CSV/JSON in nbs/reports/results/.

Every table of a report notebook is built from the files this script writes; nothing is typed by hand.
The work is done by `deepcomp.reports` (nbs/92_reports.ipynb); this script only parses the command line.

    export DEEPCOMP_DATA=/path/to/data DEEPCOMP_THREADS=1
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
import argparse

REPORTS = ['deep_compression', 'from_scratch', 'collect', 'resnet18_cmnist', 'vgg7_cifar10', 'vgg7_cifar10_w8', 'vgg7_cifar10_e12']  # = deepcomp.reports.REPORT_COMMANDS

def parser()->argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('what', choices=REPORTS, help='the report whose runs to make (collect: only rebuild the report-1 tables)')
    p.add_argument('--models', nargs='+', default=['lenet300', 'lenet5'], help='report 1: the models')
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--repeat-seeds', nargs='*', type=int, default=[], help="reports 2/3: more seeds of the last config run (of --only, if given) on the first seed's baseline")
    p.add_argument('--only', nargs='*', default=[], help="reports 2/3: run just these configs and merge their rows into the saved tables")
    p.add_argument('--data', default=None, help='local .npz file or folder (default: $DEEPCOMP_DATA)')
    return p

if __name__ == '__main__':
    a = parser().parse_args()  # before the import, so --help is quick
    from deepcomp.reports import run_report
    run_report(a.what, a.models, a.seeds, a.repeat_seeds, a.only, a.data)
