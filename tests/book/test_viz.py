import numpy as np
import pytest

from deblurbook.book import viz


def test_flow_colours():
    flow = np.zeros((3, 4, 2))
    flow[0, 0] = (5, 0)
    flow[0, 1] = (-5, 0)
    rgb = viz.flow_to_color(flow)
    assert rgb.shape == (3, 4, 3) and np.allclose(rgb[1, 1], 1.0)  # no motion is white
    assert not np.allclose(rgb[0, 0], rgb[0, 1])  # opposite directions, other hues
    assert viz.color_wheel(17).shape == (17, 17, 3)
    with pytest.raises(ValueError, match="HxWx2"):
        viz.flow_to_color(np.zeros((3, 3)))


def test_grid_and_zoom():
    fig = viz.show_grid([np.zeros((4, 4)), np.ones((4, 4, 3)), np.zeros((4, 4), bool)], ["a", "b", "c"], columns=2)
    assert len(fig.axes) == 4 and fig.axes[1].get_title() == "b"
    assert viz.zoom(np.arange(36).reshape(6, 6), (1, 2, 2), 3).shape == (6, 6)


def test_figure_draws_each_kind_of_panel():
    import matplotlib

    matplotlib.use("Agg")
    flow = np.zeros((8, 9, 2))
    flow[..., 0] = 2.0
    panels = [
        viz.Panel(np.zeros((8, 9, 3)), "image"),
        viz.Panel(flow, "flow", "flow"),
        viz.Panel(np.ones((8, 9), bool), "mask", "mask"),
        viz.Panel(np.random.rand(8, 9), "map", "map", 1.0),
    ]
    fig = viz.figure(panels, columns=2)
    titles = [ax.get_title() for ax in fig.axes]
    insets = [child.get_title() for ax in fig.axes for child in ax.child_axes]
    assert {"image", "flow", "mask", "map"} <= set(titles) and insets == ["2.0 px"]  # the wheel's legend
    mask_axes = fig.axes[titles.index("mask")]
    assert all(spine.get_visible() for spine in mask_axes.spines.values())  # a full mask is not a blank
    assert len(fig.axes) == 5  # four panels and the colour bar (the wheel is a child of the flow panel)


def test_block_diagram_draws_a_box_per_layer_and_the_links():
    import matplotlib

    matplotlib.use("Agg")
    rows = [[viz.Block("a", 4), viz.Block("b", 8)], [viz.Block("c", 2)]]
    fig = viz.block_diagram(rows, ["top", "bottom"], links=[((0, 1), (1, 0))])
    ax = fig.axes[0]
    assert len(ax.patches) == 3 and {"a", "b", "c", "top", "bottom"} <= {t.get_text() for t in ax.texts}


def test_to_hwc_takes_a_batch_of_one_or_an_image_and_clamps():
    import torch

    from deblurbook.book.viz import to_hwc

    t = torch.linspace(-1, 2, 3 * 4 * 5).reshape(3, 4, 5)
    out = to_hwc(t)
    assert out.shape == (4, 5, 3) and out.dtype == np.float32 and out.min() == 0 and out.max() == 1
    assert np.array_equal(to_hwc(t[None]), out)
    assert out[1, 2, 0] == float(t[0, 1, 2].clamp(0, 1))


def test_comparison_panels_title_each_image_with_its_psnr_and_zoom_the_same_box():
    import numpy as np

    from deblurbook.book.viz import comparison_panels
    from deblurbook.imaging import metrics

    truth = np.random.default_rng(0).uniform(size=(30, 40, 3))
    blurred = np.clip(truth + 0.05, 0, 1)
    panels = comparison_panels([("blurred", blurred), ("ground truth", truth)], truth, (5, 10, 8))
    assert [p.title for p in panels] == [
        f"blurred, {float(metrics.psnr(blurred, truth)):.2f} dB",
        "ground truth",
        "zoom: blurred",
        "zoom: ground truth",
    ]
    assert panels[2].image.shape == (24, 24, 3)
