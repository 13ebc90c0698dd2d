import numpy as np
import pytest

from deblurbook.data import pool, synth
from deblurbook.data.datasets import SyntheticDataset


@pytest.fixture
def root(empty_root):
    return empty_root


def test_a_pooled_scene_is_the_engine_scene_quantised_to_8_bits(root, monkeypatch):
    monkeypatch.setattr(pool, "SHARD", 3)  # several shards from a few scenes
    spec = pool.PoolSpec("mixed", (19, 23), 5, ("blur", "sharp", "flow", "mask"))
    scenes = pool.ScenePool(spec, workers=1)
    assert not scenes.ready() and scenes.render().is_dir() and scenes.ready()
    for k in (0, 4):
        own = synth.make_sample("mixed", (19, 23), pool.scene_seed(0, k), signals=spec.signals)
        got = scenes[k]
        assert got["blur"].dtype == np.float32 and got["blur"].shape == (19, 23, 3)
        assert np.abs(got["blur"] - own["blur"]).max() <= 0.5 / 255 + 1e-6
        assert np.abs(got["flow"] - own["flow"]).max() < 0.05 and np.array_equal(got["mask"], own["mask"])
        assert float(got["duty"]) == float(own["duty"])
    with pytest.raises(IndexError):
        scenes[5]


def test_the_key_follows_the_preset_definition_and_a_corrupt_shard_is_refused(root):
    from deblurbook.data.blur_scale import scaled_motion

    a = pool.PoolSpec("mixed", (16, 16), 2, ("blur", "sharp"))
    b = pool.PoolSpec(scaled_motion("mixed", 2.0), (16, 16), 2, ("blur", "sharp"))  # same name, other motion
    assert a.folder() != b.folder() and a.preset.name == b.preset.name
    scenes = pool.ScenePool(a, workers=1)
    scenes.render()
    (scenes.folder / "shard00000.blur.npy").write_bytes(b"not an array")
    with pytest.raises(ValueError, match="shard00000.blur.npy.*differ"):
        pool.ScenePool(a)[0]
    with pytest.raises(ValueError, match="at least one scene"):
        pool.PoolSpec("mixed", (16, 16), 0, ("blur",))


def test_an_interrupted_rendering_resumes_and_workers_render_the_same_bits(root, monkeypatch):
    monkeypatch.setattr(pool, "SHARD", 2)
    spec = pool.PoolSpec("global", (17, 17), 5, ("blur", "sharp"))
    first = pool.ScenePool(spec, workers=1)
    calls = []
    real = pool._render_shard

    def failing(spec_, shard, folder, per_shard):
        if shard == 1:
            raise KeyboardInterrupt
        calls.append(shard)
        return real(spec_, shard, folder, per_shard)

    monkeypatch.setattr(pool, "_render_shard", failing)
    with pytest.raises(KeyboardInterrupt):
        first.render()
    assert calls == [0] and not first.ready()
    monkeypatch.setattr(pool, "_render_shard", real)
    first.render()
    assert first.ready() and calls == [0]  # shard 0 was not rendered again
    apart = pool.ScenePool(pool.PoolSpec("global", (17, 17), 5, ("blur", "sharp"), seed=1), workers=2)
    apart.render()  # two worker processes, three shards
    own = synth.make_sample("global", (17, 17), pool.scene_seed(1, 4), signals=("blur", "sharp"))
    assert np.array_equal(apart[4]["blur"], np.round(np.clip(own["blur"], 0, 1) * 255).astype(np.float32) / 255)


def test_a_dataset_drawing_from_a_pool_is_deterministic_and_crops(root):
    ds = SyntheticDataset(("global", "mixed"), crop=12, length=6, seed=4, signals=("blur", "sharp"), pool=3)
    ds.prepare()
    item = ds[1]
    assert item["blur"].shape == (3, 12, 12)
    assert np.array_equal(item["blur"].numpy(), ds[1]["blur"].numpy())
    assert all(p.ready() for p in ds.pools) and len(ds.pools) == 2
    other = SyntheticDataset(("global", "mixed"), crop=12, length=6, seed=5, signals=("blur", "sharp"), pool=3)
    assert [p.folder for p in other.pools] == [p.folder for p in ds.pools]  # shared by every seed


def test_a_second_renderer_waits_for_the_first_and_reuses_its_pool(root):
    import threading

    spec = pool.PoolSpec("global", (16, 16), 2, ("blur", "sharp"))
    scenes = pool.ScenePool(spec, workers=1)
    scenes.folder.mkdir(parents=True)
    finished = threading.Event()
    with pool.waiting_for(scenes.folder / ".render.lock"):  # as if another process were rendering
        waiter = threading.Thread(target=lambda: (scenes.render(), finished.set()))
        waiter.start()
        assert not finished.wait(1.0)  # blocked on the lock
        pool.ScenePool(spec, workers=1)._render(False)  # the "other process" finishes the pool
    waiter.join(60)
    assert finished.is_set() and scenes.ready()
