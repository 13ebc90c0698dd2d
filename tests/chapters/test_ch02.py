
from deblurbook.book.stats import summarize
from deblurbook.chapters import ch02
from deblurbook.models.flow_deblur import VARIANTS


def ablations(full, others, seeds=2):
    def row(values):
        return {"psnr": summarize(values), "ssim": summarize([0.9] * len(values))}
    summary = {v: row(others) for v in VARIANTS}
    summary["full"] = row(full)
    from deblurbook.book.stats import verdict
    return {"summary": summary,
            "verdicts": {v: verdict(summary[v]["psnr"], summary["full"]["psnr"]) for v in VARIANTS if v != "full"},
            "fig6": {"consecutive frames": {"psnr": 30.0, "flow_norm": 1.0},
                     "identical frames": {"psnr": 29.0, "flow_norm": 0.1}}}


def results(ours, blurred):
    row = {"images": 3, "blurred": (blurred, 0.9), "RL with TV-L1 flow": (blurred - 1, 0.8),
           "ours": summarize(ours), "ours_ssim": summarize([0.95] * len(ours))}
    return {"seeds": [0, 1], "table2_ours": {"synthetic global": row, "REDS (real)": row},
            "table3_ours": {"parameters": 8_281_696, "seconds": 1.5, "size": [720, 1280], "device": "CPU"}}


def test_table4_quotes_the_paper_and_marks_differences():
    text = ch02.table4(ablations([30.0, 30.2], [29.0, 29.1]))
    assert "| w/o RNNs | 28.84 / 0.901 | -1.74 |" in text
    assert text.count("| lower |") == 6


def test_claims_follow_the_numbers():
    claims = dict(ch02.claims(results([31.0, 31.2], 30.0), ablations([30.0, 30.2], [30.1, 30.15])))
    assert claims["The model restores blurred frames (better than the input)"].startswith("synthetic global: higher (+1.10 dB)")
    assert claims["RNNs are needed (w/o RNNs is worse)"].startswith("not supported")
    assert claims["Fig. 6: identical frames give near-zero flow and less deblurring"] == "supported"
    worse = dict(ch02.claims(results([29.9, 30.5], 30.0), ablations([30.0], [29.0])))
    assert worse["The model restores blurred frames (better than the input)"].startswith("synthetic global: no difference")
    assert worse["RNNs are needed (w/o RNNs is worse)"] == "cannot tell with one seed"


def test_tables_two_and_three():
    res = results([31.0, 31.2], 30.0)
    assert "| synthetic global | 3 | 30.00 / 0.900 | 29.00 / 0.800 | 31.10 (range 0.20) / 0.950 |" in ch02.table2(res)
    assert "| ours, measured | 8.28 M | 720x1280 | 1.50 | CPU |" in ch02.table3(res)


def test_against_uses_the_spread():
    assert ch02.against(summarize([30.0, 30.4]), 30.3) == "no difference"
    assert ch02.against(summarize([30.0, 30.1]), 29.0) == "higher"
    assert ch02.against(summarize([30.0]), 29.0) == "one seed: no claim"
