"""The shared trainer: a model, a named loss module, a data set and a budget in;
checkpoints, a JSON log and the trained model out.

* Device auto (CUDA when there is one), mixed precision on CUDA (optional),
  cuDNN flags explicit (:func:`deblurbook.device.resolve`).
* Adam with a step schedule (constant when ``milestones`` is empty) or
  Caffe's "poly" schedule; a model may split its parameters into groups with
  their own learning-rate and weight-decay multipliers (``optimizer_groups``,
  as a Caffe prototxt's ``lr_mult``/``decay_mult``).
* Batches are drawn by index: step ``s`` of rank ``r`` reads items
  ``[(s * world + r) * batch, ... + batch)``. Synthetic items are pure
  functions of their index, so a resumed run sees exactly the batches an
  uninterrupted one would, and gives the same weights on CPU.
* Adversarial losses: a loss module with a ``critic_loss(output, batch)``
  method (returning ``(loss, parts)``) holds a critic. After each step of the
  model, the critic takes a step of its own Adam on that loss (same schedule);
  its weights and optimizer are checkpointed with the model's.
* Checkpoints (model, optimizer, scaler, step, RNG, log, and the run's
  identity) are written atomically with a digest beside them every
  ``checkpoint_every`` steps and at the end, verified and loaded with
  ``torch.load(..., weights_only=True)`` (:mod:`deblurbook.core.checkpoints`).
* A run has an identity (its resolved configuration and a digest of the code
  that builds and trains it, see :mod:`deblurbook.training.experiments`):
  resuming a checkpoint of another identity is refused, naming both.
* One trainer per output folder: a second one fails at once, naming the
  first (:mod:`deblurbook.core.locks`).
* Multi-GPU (or multi-process CPU) through ``torchrun``: when ``WORLD_SIZE``
  is set the trainer joins the process group (NCCL on CUDA, gloo on CPU) and
  wraps the model in DistributedDataParallel; rank 0 writes.

    torchrun --nproc_per_node 2 -m deblurbook train --experiment chNN:variant \\
        --profile paper --out my-runs/x
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from ..core import atomic, checkpoints
from ..core.checkpoints import CheckpointError
from ..core.device import bf16_supported, resolve
from ..core.locks import hold
from ..data.datasets import seed_worker

SCHEDULES = ("step", "poly")
AMP_DTYPES = ("float16", "bfloat16", "auto")


@dataclass
class TrainConfig:
    iterations: int
    batch: int
    lr: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    schedule: str = "step"  # "step": x gamma at each milestone; "poly": x (1 - step / iterations) ** power
    milestones: tuple[int, ...] = ()
    gamma: float = 0.5
    power: float = 1.0
    checkpoint_every: int = 100
    log_every: int = 10
    seed: int = 0
    device: str = "auto"
    amp: bool | None = None  # None: on when training on CUDA; True on a CPU autocasts there too
    amp_dtype: str = "auto"  # "bfloat16" needs no loss scaling; "auto": bfloat16 where the device has it
    grad_clip: float | None = None  # clip the global gradient norm (Caffe's clip_gradients)
    workers: int = 0  # DataLoader processes rendering batches (not part of a run's identity)
    deterministic: bool = True  # False lets cuDNN autotune (faster on a GPU; runs no longer repeat bit for bit)
    channels_last: bool = False  # NHWC weights and batches (faster convolutions on CPUs and tensor cores)

    def __post_init__(self):
        if self.iterations < 1 or self.batch < 1:
            raise ValueError(f"iterations and batch must be positive, got {self.iterations} and {self.batch}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.amp_dtype not in AMP_DTYPES:
            raise ValueError(f"amp_dtype must be one of {AMP_DTYPES}, got {self.amp_dtype!r}")

    def lr_at(self, step: int) -> float:
        if self.schedule == "poly":
            return self.lr * max(0.0, 1.0 - step / self.iterations) ** self.power
        return self.lr * self.gamma ** sum(step >= m for m in self.milestones)


def precision(config: TrainConfig) -> tuple[bool, str | None]:
    """The mixed precision a run of ``config`` trains in, (on, dtype or None), resolved for the
    device it asks for: ``amp=None`` is on for CUDA; ``amp_dtype="auto"`` is bfloat16 where the
    device computes it natively, else float16 (with a loss scaler). Part of a run's identity: a
    run made in float32 on a CPU is not the run a GPU would make in bfloat16."""
    cuda = config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())
    amp = config.amp if config.amp is not None else cuda
    if not amp:
        return False, None
    if config.amp_dtype != "auto":
        return True, config.amp_dtype
    return True, "bfloat16" if bf16_supported("cuda" if cuda else "cpu") else "float16"


def optimizer_groups(model: nn.Module, config: TrainConfig) -> list[dict]:
    """Adam's parameter groups: the model's own (``model.optimizer_groups()``, each
    ``{"params", "lr_mult", "decay_mult"}``) or one group of every parameter."""
    groups = model.optimizer_groups() if hasattr(model, "optimizer_groups") else [{"params": model.parameters()}]
    out, seen = [], set()
    for group in groups:
        params = list(group["params"])
        seen |= {id(p) for p in params}
        lr_mult, decay_mult = group.get("lr_mult", 1.0), group.get("decay_mult", 1.0)
        out.append(
            {
                "params": params,
                "lr": config.lr * lr_mult,
                "lr_mult": lr_mult,
                "weight_decay": config.weight_decay * decay_mult,
            }
        )
    missing = [name for name, p in model.named_parameters() if id(p) not in seen]
    if missing:
        raise ValueError(f"optimizer_groups leaves out {missing[:5]}")
    return out


class StepBatches(torch.utils.data.Sampler):
    """Index batches for steps ``start .. iterations - 1`` of one rank."""

    def __init__(self, start: int, iterations: int, batch: int, rank: int = 0, world: int = 1):
        self.start, self.iterations, self.batch, self.rank, self.world = start, iterations, batch, rank, world

    def __len__(self) -> int:
        return max(0, self.iterations - self.start)

    def __iter__(self):
        for step in range(self.start, self.iterations):
            first = (step * self.world + self.rank) * self.batch
            yield list(range(first, first + self.batch))


def _distributed() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment, else (0, 1, 0)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return int(os.environ.get("RANK", "0")), world, int(os.environ.get("LOCAL_RANK", "0"))


class RunMismatchError(ValueError):
    """A checkpoint of another run (configuration or code) than the one asked for."""


def _describe(identity: dict | None) -> str:
    if not identity:
        return "a run of unknown identity (written before runs had one)"
    return (
        f"{identity.get('experiment')} at profile {identity.get('profile')}, seed {identity.get('seed')}, "
        f"{identity.get('iterations')} steps, code {str(identity.get('code'))[:12]} "
        f"(identity {identity['digest'][:12]})"
    )


class Trainer:
    """Train ``model`` on ``dataset`` with ``loss``; ``inputs`` names the batch keys
    passed to the model, in order (``model(*[batch[k] for k in inputs])``).
    ``identity`` (from :func:`deblurbook.training.experiments.identity`) is stored
    in every checkpoint and must match to resume one."""

    def __init__(
        self,
        model: nn.Module,
        loss: nn.Module,
        dataset: Dataset,
        inputs: Sequence[str],
        config: TrainConfig,
        out_dir: str | Path,
        progress: bool = True,
        identity: dict | None = None,
    ):
        self.config, self.out_dir, self.inputs = config, Path(out_dir), tuple(inputs)
        self.identity = identity
        self.rank, self.world, local = _distributed()
        if self.world > 1 and not torch.distributed.is_initialized():
            backend = "nccl" if torch.cuda.is_available() and config.device != "cpu" else "gloo"
            torch.distributed.init_process_group(backend)
        if config.device != "cpu" and torch.cuda.is_available() and self.world > 1:
            torch.cuda.set_device(local)
            resolve("cuda", deterministic=config.deterministic)  # sets the cuDNN flags
            self.device = torch.device("cuda", local)
        else:
            self.device = resolve(config.device, deterministic=config.deterministic)
        needed = config.iterations * config.batch * self.world
        if len(dataset) < needed:
            raise ValueError(
                f"the data set has {len(dataset)} items; {config.iterations} steps of "
                f"{config.batch} x {self.world} processes need {needed}"
            )
        torch.manual_seed(config.seed)
        self.memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        self.model = model.to(self.device, memory_format=self.memory_format)
        self.loss = loss.to(self.device)
        self.dataset = dataset
        self.amp, self.amp_dtype = precision(config)
        self.optimizer = torch.optim.Adam(optimizer_groups(self.model, config), lr=config.lr, betas=config.betas)
        self.critic_optimizer = None
        if hasattr(loss, "critic_loss"):
            group = {"params": list(self.loss.parameters()), "lr": config.lr, "lr_mult": 1.0}
            self.critic_optimizer = torch.optim.Adam([group], lr=config.lr, betas=config.betas)
        fp16 = self.amp_dtype == "float16"
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=fp16)
        self.critic_scaler = torch.amp.GradScaler(self.device.type, enabled=fp16)  # its own loss scale
        self.step, self.log = 0, []
        self.progress = progress and self.rank == 0
        self.wrapped = self.model
        if self.world > 1:
            for p in self.loss.parameters():  # a critic starts from rank 0's weights, as DDP's model does
                torch.distributed.broadcast(p.data, 0)
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.wrapped = nn.parallel.DistributedDataParallel(
                self.model, device_ids=ids, find_unused_parameters=getattr(self.model, "has_unused_parameters", False)
            )

    # -- checkpoints -----------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "checkpoint.pt"

    def save_checkpoint(self) -> None:
        if self.rank != 0:
            return
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "step": self.step,
            "rng": torch.get_rng_state(),
            "log": self.log,
            "config": json.loads(json.dumps(asdict(self.config))),
            "identity": self.identity,
        }
        if self.critic_optimizer is not None:
            state |= {
                "loss": self.loss.state_dict(),
                "critic_optimizer": self.critic_optimizer.state_dict(),
                "critic_scaler": self.critic_scaler.state_dict(),
            }
        checkpoints.save(state, self.checkpoint_path)
        # the thread count is not part of the identity (where a run trains is not what it is), but a
        # CPU run repeats bit for bit only at the same count: recorded beside it
        atomic.write_json(
            self.out_dir / "log.json",
            {
                "config": state["config"],
                "identity": self.identity,
                "step": self.step,
                "world": self.world,
                "threads": torch.get_num_threads(),
                "log": self.log,
            },
        )

    def load_checkpoint(self, path: str | Path | None = None) -> bool:
        """Restore from ``path`` (default: this run's checkpoint); False if there is none.

        Refuses (:class:`RunMismatchError`) a checkpoint whose identity is not this run's.
        """
        path = Path(path) if path else self.checkpoint_path
        if not path.is_file():
            return False
        state = checkpoints.load(
            path, map_location=self.device, required=("model", "optimizer", "scaler", "step", "rng", "log")
        )
        stored = state.get("identity")
        if self.identity is not None and (stored or {}).get("digest") != self.identity["digest"]:
            raise RunMismatchError(
                f"{path}: this folder holds {_describe(stored)}, but {_describe(self.identity)} "
                "was asked for; use another output folder, or delete this one to start over"
            )
        fit_state_dict(self.model, state["model"], path)
        self.optimizer.load_state_dict(state["optimizer"])
        if state["scaler"]:  # a run without a loss scaler saved an empty state
            self.scaler.load_state_dict(state["scaler"])
        if self.critic_optimizer is not None:
            if "critic_optimizer" not in state:
                raise CheckpointError(f"{path}: no critic state, but {type(self.loss).__name__} trains one")
            fit_state_dict(self.loss, state["loss"], path)
            self.critic_optimizer.load_state_dict(state["critic_optimizer"])
            if "critic_scaler" in state:
                self.critic_scaler.load_state_dict(state["critic_scaler"])
        self.step, self.log = int(state["step"]), list(state["log"])
        torch.set_rng_state(state["rng"].cpu())
        return True

    # -- training --------------------------------------------------------------------
    def _batches(self) -> DataLoader:
        sampler = StepBatches(self.step, self.config.iterations, self.config.batch, self.rank, self.world)
        return DataLoader(
            self.dataset,
            batch_sampler=sampler,
            num_workers=self.config.workers,
            worker_init_fn=seed_worker,
            pin_memory=self.device.type == "cuda",
        )

    def train(self, resume: bool = True, stop_after: int | None = None) -> list[dict]:
        """Run to ``config.iterations`` (continuing a checkpoint when ``resume``).

        ``stop_after`` ends the run after that many steps of this call without a
        final checkpoint, as an interruption would (for tests and notebooks).
        """
        if self.rank != 0:
            return self._train(resume, stop_after)
        with hold(self.out_dir / ".lock", f"run folder {self.out_dir}"):
            atomic.clean_stale_folder(self.out_dir)  # what a killed run was writing
            return self._train(resume, stop_after)

    def _to_device(self, batch: dict) -> dict:
        def move(value: torch.Tensor) -> torch.Tensor:
            value = value.to(self.device, non_blocking=True)
            return value.contiguous(memory_format=self.memory_format) if value.ndim == 4 else value

        return {k: move(v) for k, v in batch.items()}

    def _train(self, resume: bool, stop_after: int | None) -> list[dict]:
        from tqdm.auto import tqdm

        if resume:
            self.load_checkpoint()
        if hasattr(self.dataset, "prepare"):  # pre-rendered data, before any worker starts
            self.dataset.prepare(progress=self.progress)
        cfg = self.config
        bar = tqdm(
            total=cfg.iterations,
            initial=self.step,
            disable=not self.progress,
            desc="train",
            unit="step",
            dynamic_ncols=True,
        )
        self.wrapped.train()
        started, done_here = time.perf_counter(), 0
        for batch in self._batches():
            batch = self._to_device(batch)
            for optimizer in filter(None, (self.optimizer, self.critic_optimizer)):
                for group in optimizer.param_groups:
                    group["lr"] = cfg.lr_at(self.step) * group["lr_mult"]
            autocast = (
                torch.autocast(self.device.type, dtype=getattr(torch, self.amp_dtype))
                if self.amp
                else contextlib.nullcontext()
            )
            with autocast:
                output = self.wrapped(*[batch[k] for k in self.inputs])
                loss, parts = self.loss(output, batch)
            logging = (self.step + 1) % cfg.log_every == 0 or self.step + 1 == cfg.iterations
            if logging or self.device.type == "cpu":  # on a GPU, a host sync only when the log needs one
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"loss is {float(loss)} at step {self.step}: {_floats(parts)}")
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            if cfg.grad_clip:
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            if self.critic_optimizer is not None:
                parts |= self._critic_step(output, batch, autocast)
            self.step += 1
            done_here += 1
            bar.update(1)
            if logging:
                parts = _floats(parts)
                self.log.append(
                    {
                        "step": self.step,
                        "lr": cfg.lr_at(self.step - 1),
                        "seconds": round(time.perf_counter() - started, 3),
                        **parts,
                    }
                )
                bar.set_postfix(loss=f"{parts.get('total', float(loss.detach())):.4g}")
            if self.step % cfg.checkpoint_every == 0 and self.step < cfg.iterations:
                self.save_checkpoint()
            if stop_after is not None and done_here >= stop_after:
                bar.close()
                return self.log
        bar.close()
        self.save_checkpoint()
        return self.log

    def _critic_step(self, output, batch: dict, autocast) -> dict:
        """One step of an adversarial loss's critic on the model's (detached) output."""
        with autocast:
            loss, parts = self.loss.critic_loss(output, batch)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"critic loss is {float(loss)} at step {self.step}: {parts}")
        self.critic_optimizer.zero_grad(set_to_none=True)
        self.critic_scaler.scale(loss).backward()
        if self.world > 1:  # the critic is not inside DDP: average its gradients over the ranks here
            for p in self.loss.parameters():
                if p.grad is not None:
                    torch.distributed.all_reduce(p.grad)
                    p.grad /= self.world
        self.critic_scaler.step(self.critic_optimizer)
        self.critic_scaler.update()
        return parts


def _floats(parts: dict) -> dict[str, float]:
    """A loss's parts as plain numbers (a part may be a detached tensor, read only when logged)."""
    return {k: float(v) for k, v in parts.items()}


def fit_state_dict(model: nn.Module, state: dict, path: str | Path) -> None:
    """``model.load_state_dict(state)``, naming the file when the weights do not fit."""
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).strip().splitlines()
        raise CheckpointError(
            f"{path}: its weights do not fit {type(model).__name__} (a checkpoint of another "
            f"model or width?): {' '.join(first[1:3])[:300]}"
        ) from None


def load_model_weights(model: nn.Module, path: str | Path, device: torch.device | str = "cpu") -> nn.Module:
    """Load a trainer checkpoint's weights into ``model``, verified (weights only)."""
    state = checkpoints.load(path, map_location=device)
    fit_state_dict(model, state["model"], path)
    return model
