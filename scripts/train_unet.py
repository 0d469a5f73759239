#!/usr/bin/env python3
"""Train the U-Net shipped with the course (``course_lib.unet``, preset ``"cpu"``).

Run from the repository's root with ``make train-unet`` or::

    .venv/bin/python scripts/train_unet.py

It trains on the 80 songs of ``data/unet/train`` (random 11.9 s patches, remixed with random
gains, see ``course_lib.unet.MixtureDataset``), validates on the 8 songs of
``data/unet/validation`` after every epoch, keeps the best epoch, and writes into
``data/models/``:

- ``unet_cpu.pt``: the weights, a float32 ``state_dict`` (``torch.save``; 9.8 MB);
- ``unet_cpu.json``: the configuration, the exact command, the torch and Python versions,
  the parameter count and the wall-clock time;
- ``unet_cpu_training_log.json``: per epoch, the training and validation L1 losses and the
  seconds since the start.

The run is a fixed budget (``--epochs`` x ``--steps`` Adam steps on batches of ``--batch``
patches, every number drawn from ``--seed``), with early stopping after ``--patience``
epochs without a better validation loss, so it is reproducible up to the nondeterminism of
the CPU's floating-point kernels. The defaults take about 30 minutes on 2 idle CPU cores
(a GPU is used when torch finds one). While it runs, the best weights so far are in
``data/models/unet_cpu.checkpoint.pt``; ``--out`` writes the files elsewhere.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_lib import unet  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30, help="most epochs (default 30)")
    parser.add_argument("--steps", type=int, default=50, help="Adam steps per epoch (50)")
    parser.add_argument("--batch", type=int, default=16, help="patches per step (16)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (1e-3)")
    parser.add_argument("--patience", type=int, default=6,
                        help="epochs without improvement before stopping (6)")
    parser.add_argument("--channels", default="cpu", choices=sorted(unet.PRESETS),
                        help="channel preset (cpu)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "models",
                        help="output folder (data/models)")
    parser.add_argument("--name", default="unet_cpu", help="file name stem (unet_cpu)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    command = unet._command_line()
    started = time.perf_counter()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; loading the corpus",
          flush=True)
    unet.set_seed(args.seed)
    dataset = unet.MixtureDataset("train", random_state=args.seed)
    model = unet.UNet(channels=args.channels)
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint = args.out / f"{args.name}.checkpoint.pt"
    log_path = args.out / f"{args.name}_training_log.json"
    epochs_done = []

    def report(entry):  # print each epoch and keep the log on disk while the run goes on
        epochs_done.append({k: entry[k] for k in ("epoch", "train_loss", "validation_loss",
                                                  "seconds")})
        print(f"epoch {entry['epoch']:3d}  train L1 {entry['train_loss']:.5f}  validation L1 "
              f"{entry['validation_loss']:.5f}  (best epoch {entry['best_epoch']})  "
              f"{entry['seconds'] / 60:.1f} min", flush=True)
        log_path.write_text(json.dumps({"command": command, "torch_version": torch.__version__,
                                        "running": True, "epochs": epochs_done}, indent=2) + "\n")

    result = unet.train(
        model, dataset, validation="validation", epochs=args.epochs, steps_per_epoch=args.steps,
        batch_size=args.batch, learning_rate=args.lr, patience=args.patience,
        checkpoint=checkpoint, random_state=args.seed, callback=report,
        progress=not args.no_progress,
    )
    seconds = time.perf_counter() - started
    weights = args.out / f"{args.name}.pt"
    torch.save({k: v.float() if v.is_floating_point() else v
                for k, v in result.model.state_dict().items()}, weights)
    checkpoint.unlink(missing_ok=True)
    config = {
        **result.config,
        "preset": args.channels,
        "parameters": unet.parameter_count(args.channels),
        "weights_bytes": weights.stat().st_size,
        "best_epoch": result.best_epoch,
        "best_validation_loss": result.best_validation_loss,
        "epochs_run": result.epochs,
        "stopped_early": result.stopped_early,
        "wall_seconds": round(seconds, 1),
        "command": command,
        "make_target": "make train-unet",
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "threads": torch.get_num_threads(),
        "machine": f"{platform.machine()}, {platform.system()}",
    }
    (args.out / f"{args.name}.json").write_text(json.dumps(config, indent=2) + "\n")
    log = {"command": command, "torch_version": torch.__version__, "epochs": result.log()}
    log_path.write_text(json.dumps(log, indent=2) + "\n")
    print(f"{result!r}\nwrote {weights} ({weights.stat().st_size / 1e6:.1f} MB), its config "
          f"and {log_path.name} in {seconds / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
