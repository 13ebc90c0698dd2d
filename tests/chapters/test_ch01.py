import numpy as np

from deblurbook.chapters import ch01


def test_the_blur_scale_study_sets_the_engine_beside_the_real_samples():
    res = ch01.blur_scale_result("smoke")
    names = list(res["sources"])
    assert names[0].startswith("engine training crops") and ch01.OLD_LAW in names
    assert any(n.startswith("REDS 320") for n in names) and any(n.startswith("GoPro") for n in names)
    for v in res["sources"].values():
        assert sum(v["histogram"]) == v["count"] and v["p10"] <= v["p50"] <= v["p90"] <= v["p99"]
    engine, old = res["sources"][names[0]], res["sources"][ch01.OLD_LAW]
    assert engine["p50"] > 3 * old["p50"]  # the frame-scale law: blur of the benchmarks' size
    reds = next(v for k, v in res["sources"].items() if k.startswith("REDS 320"))
    times_four = next(v for k, v in res["sources"].items() if k.startswith("REDS 1280"))
    assert np.isclose(times_four["p50"], 4 * reds["p50"])
    assert "px at the median" in ch01.blur_scale_summary(res) and "| source |" in ch01.blur_scale_table(res)
    import json

    loaded = json.loads(json.dumps(res, sort_keys=True))  # as a results file is stored
    assert ch01.blur_scale_table(loaded) == ch01.blur_scale_table(res)
