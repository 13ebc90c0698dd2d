"""Numbers quoted from the papers, for tables that set them beside ours.

These are the papers' figures, typed from ``../shared/papers`` (never ours):
each table notes where it comes from and what the text leaves unreadable.
"""

from __future__ import annotations

PAPER002 = {
    "citation": "zhang2021flow",
    # Table II: DVD test set (Su et al. 2017), PSNR / SSIM.
    "table2": {
        "Whyte": (25.29, 0.832), "Sun": (27.24, 0.878), "Gong": (28.22, 0.894), "Nah": (29.51, 0.912),
        "Kupyn (DeblurGAN)": (26.78, 0.848), "Tao": (29.95, 0.919), "Zhang (SVRNN)": (30.05, 0.922),
        "Kupyn (DeblurGAN-v2)": (29.47, 0.910), "Cai": (29.48, 0.914), "Kim 2015": (27.01, 0.861),
        "Su": (30.05, 0.920), "Kim 2017": (29.95, 0.911), "ours (paper)": (30.58, 0.928),
    },
    # Table III: 720x1280 image, Intel Xeon + Titan Xp; seconds and parameters.
    "table3": {"seconds": 0.20, "device": "Nvidia Titan Xp", "parameters": 8.7e6},
    # Table IV: ablations on DVD, PSNR / SSIM, keyed by the book's variant names.
    "table4": {
        "no_rnn": (28.84, 0.901), "concat_weights": (29.71, 0.914), "single_image": (30.11, 0.922),
        "no_flow_loss": (30.35, 0.924), "bidirectional": (30.56, 0.927), "rnn_in_decoder": (29.72, 0.914),
        "full": (30.58, 0.928),
    },
    "table4_labels": {
        "no_rnn": "w/o RNNs", "concat_weights": "concat RNN weights", "single_image": "w/o flow",
        "no_flow_loss": "w/o flow losses", "bidirectional": "bidirection flows",
        "rnn_in_decoder": "RNNs in decoder", "full": "ours (full)",
    },
    # Section III-D: training set-up.
    "training": {"batch": 20, "crop": 256, "iterations": 800_000, "lr": 1e-3, "betas": (0.9, 0.999),
                 "weight_decay": 1e-6, "flow_scales": 5},
}
