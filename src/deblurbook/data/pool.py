"""Pre-rendered training scenes: the engine's stream rendered once, shared by every run.

Rendering a scene costs 15-60 ms of CPU (more with a second exposure, a reference frame or
flow), as much as a training step of a 1 M-parameter network on a crop. A :class:`ScenePool`
renders ``count`` scenes of one preset at one size once, in worker processes, into shards of
8-bit images (as the benchmarks ship them), float16 flow and motion, and boolean masks, under
``_build/data/pools/``. Every run and seed of a profile that asks for the same pool reads the
same files: a run draws scenes from it by index, each with its own crop and flips
(:class:`~deblurbook.data.datasets.SyntheticDataset` with ``pool=``).

A pool's folder is keyed by its settings and by a digest of the engine's code (the modules
:mod:`deblurbook.data.synth` imports), so a changed engine renders a new pool. Shards are
written atomically and the manifest last; an interrupted rendering resumes at the first
missing shard, and a shard whose bytes differ from the manifest is refused by name.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core import atomic
from ..core.locks import waiting_for
from ..core.paths import build_dir
from ..core.provenance import code_digest, sha256_file
from . import synth

SHARD = 128  # scenes per shard file
IMAGE_KEYS = ("blur", "sharp", "ref", "blur_next", "blur_prev", "sharp_next")
HALF_KEYS = ("flow", "motion")  # stored as float16
SCALAR_KEYS = ("frames", "duty", "scene_side")


@dataclass(frozen=True)
class PoolSpec:
    """What a pool holds: ``count`` scenes of ``preset`` at ``size`` (h, w) with ``signals``,
    from the ``split`` content, the scene of index ``k`` seeded by ``(seed, k)``."""

    preset: synth.Preset
    size: tuple[int, int]
    count: int
    signals: tuple[str, ...]
    split: str = "train"
    seed: int = 0

    def __post_init__(self):
        if self.count < 1:
            raise ValueError(f"a pool needs at least one scene, got count={self.count}")
        object.__setattr__(self, "preset", synth.get_preset(self.preset))  # a name or a Preset
        object.__setattr__(self, "size", tuple(self.size))
        object.__setattr__(self, "signals", tuple(self.signals))

    def key(self) -> str:
        """The settings (the preset's whole definition: a scaled preset keeps its name) and the
        engine's code, hashed: a pool's folder name."""
        text = json.dumps(
            {**asdict(self), "engine": code_digest(["deblurbook.data.synth"])}, sort_keys=True, default=str
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def folder(self) -> Path:
        h, w = self.size
        return build_dir() / "data" / "pools" / f"{self.preset.name}-{h}x{w}-n{self.count}-{self.key()[:12]}"


def scene_seed(seed: int, index: int) -> int:
    """The engine seed of scene ``index`` of a stream seeded by ``seed``."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def _stored(key: str, value: np.ndarray) -> np.ndarray:
    if key in IMAGE_KEYS:
        return np.round(np.clip(value, 0, 1) * 255).astype(np.uint8)
    if key in HALF_KEYS:
        return value.astype(np.float16)
    return value


def _render_shard(spec: PoolSpec, shard: int, folder: Path, per_shard: int) -> dict[str, str]:
    """Render shard ``shard`` (``per_shard`` scenes) of ``spec`` into ``folder``: one ``.npy`` per
    signal, then a ``.json`` of their digests (last: a shard with one is complete)."""
    first, last = shard * per_shard, min((shard + 1) * per_shard, spec.count)
    content = synth._default_pool(spec.split)
    scenes = [
        synth.make_sample(spec.preset, spec.size, scene_seed(spec.seed, k), signals=spec.signals, content=content)
        for k in range(first, last)
    ]
    digests = {}
    for key in scenes[0]:
        path = folder / f"shard{shard:05d}.{key}.npy"
        with atomic.atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, np.stack([_stored(key, s[key]) for s in scenes]))
        digests[key] = sha256_file(path)
    atomic.write_json(folder / f"shard{shard:05d}.json", digests)
    return digests


def _worker(spec_file: str, folder: str, shards: str) -> None:
    """A rendering process (``python -m deblurbook.data.pool``): one thread, the listed shards."""
    import torch

    torch.set_num_threads(1)
    spec, per_shard = pickle.loads(Path(spec_file).read_bytes())
    for shard in map(int, shards.split(",")):
        _render_shard(spec, shard, Path(folder), per_shard)


class ScenePool:
    """The scenes of a :class:`PoolSpec`, rendered on first use (``workers`` processes,
    default one per core) and read back memory-mapped. ``pool[k]`` is scene ``k`` as the
    engine gives it (float32 images in [0, 1], 8-bit quantised; flow and motion float32)."""

    def __init__(self, spec: PoolSpec, workers: int | None = None):
        self.spec, self.workers = spec, workers
        self.folder = spec.folder()
        self._arrays: dict[str, list[np.ndarray]] | None = None

    def __len__(self) -> int:
        return self.spec.count

    @property
    def shards(self) -> int:
        return -(-self.spec.count // SHARD)

    def ready(self) -> bool:
        return (self.folder / "manifest.json").is_file()

    def _done(self) -> list[int]:
        return [k for k in range(self.shards) if (self.folder / f"shard{k:05d}.json").is_file()]

    def render(self, progress: bool = False) -> Path:
        """Render the shards not yet on disk (resuming an interrupted rendering); then the manifest.

        Worker processes are started as ``python -m deblurbook.data.pool`` (not forked: a forked
        OpenMP runtime can hang; not spawned through multiprocessing, which re-runs a user's
        script that has no ``__main__`` guard)."""
        if self.ready():
            return self.folder
        self.folder.mkdir(parents=True, exist_ok=True)
        with waiting_for(self.folder / ".render.lock"):  # another process rendering it: wait, then reuse
            if not self.ready():
                self._render(progress)
        return self.folder

    def _render(self, progress: bool) -> None:
        todo = sorted(set(range(self.shards)) - set(self._done()))
        workers = min(self.workers or os.cpu_count() or 1, len(todo))
        from tqdm.auto import tqdm

        bar = tqdm(
            total=self.shards,
            initial=self.shards - len(todo),
            disable=not progress,
            desc=f"rendering {self.folder.name}",
            unit="shard",
        )
        if workers <= 1:
            for k in todo:
                _render_shard(self.spec, k, self.folder, SHARD)
                bar.update(1)
        elif todo:
            self._render_in_processes(todo, workers, bar)
        bar.close()
        digests = {str(k): atomic.read_json(self.folder / f"shard{k:05d}.json") for k in range(self.shards)}
        spec = json.loads(json.dumps(asdict(self.spec), default=str))
        atomic.write_json(
            self.folder / "manifest.json", {"spec": spec, "key": self.spec.key(), "shard": SHARD, "digests": digests}
        )

    def _render_in_processes(self, todo: list[int], workers: int, bar) -> None:
        spec_file = self.folder / "spec.pickle"
        with atomic.atomic_path(spec_file) as tmp:
            tmp.write_bytes(pickle.dumps((self.spec, SHARD)))
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    __name__,
                    str(spec_file),
                    str(self.folder),
                    ",".join(map(str, todo[w::workers])),
                ],
                env=env,
                stderr=subprocess.PIPE,
            )
            for w in range(workers)
        ]
        try:
            seen = self.shards - len(todo)
            while any(p.poll() is None for p in procs):
                time.sleep(0.5)
                done = len(self._done())
                bar.update(done - seen)
                seen = done
            failed = [p for p in procs if p.returncode != 0]
            if failed:
                message = failed[0].stderr.read().decode(errors="replace").strip().splitlines()
                raise RuntimeError(f"rendering the pool {self.folder} failed: {' '.join(message[-3:])}")
            bar.update(len(self._done()) - seen)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()

    def _open(self) -> dict[str, list[np.ndarray]]:
        if self._arrays is None:
            self.render()
            manifest = atomic.read_json(self.folder / "manifest.json")
            arrays: dict[str, list[np.ndarray]] = {}
            for shard in range(self.shards):
                for key, digest in manifest["digests"][str(shard)].items():
                    path = self.folder / f"shard{shard:05d}.{key}.npy"
                    if not path.is_file():
                        raise FileNotFoundError(
                            f"{path}: listed in the pool's manifest but missing "
                            f"(delete {self.folder} to render the pool again)"
                        )
                    if shard == 0 and sha256_file(path) != digest:  # the first shard checked on open
                        raise ValueError(
                            f"{path}: its bytes differ from the pool's manifest (changed or "
                            f"corrupt; delete {self.folder} to render the pool again)"
                        )
                    arrays.setdefault(key, []).append(np.load(path, mmap_mode="r"))
            self._arrays = arrays
        return self._arrays

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        if not 0 <= index < self.spec.count:
            raise IndexError(index)
        shard, row = divmod(index, SHARD)
        out = {}
        for key, shards in self._open().items():
            value = np.asarray(shards[shard][row])
            if key in IMAGE_KEYS:
                value = value.astype(np.float32) / 255
            elif key in HALF_KEYS:
                value = value.astype(np.float32)
            out[key] = value
        return out

    def __getstate__(self):  # DataLoader workers reopen the files themselves
        return {**self.__dict__, "_arrays": None}


if __name__ == "__main__":
    _worker(*sys.argv[1:4])
