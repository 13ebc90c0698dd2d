"""The trainer with an adversarial loss: the critic trains, is checkpointed and resumes exactly."""

import torch

from deblurbook.data.datasets import SyntheticDataset
from deblurbook.models.unet import SmallUNet
from deblurbook.nn.adversarial import VGGStyleDiscriminator
from deblurbook.nn.frequency_losses import ContentFrequencyLoss
from deblurbook.training.trainer import TrainConfig, Trainer


def make(out, iterations=4):
    torch.manual_seed(0)
    loss = ContentFrequencyLoss(adversarial=5e-3, critic=VGGStyleDiscriminator(width=4, stages=2))
    data = SyntheticDataset("global", crop=17, length=64, seed=1)
    config = TrainConfig(iterations=iterations, batch=2, lr=1e-3, checkpoint_every=2, log_every=1)
    return Trainer(SmallUNet(width=4), loss, data, ("blur",), config, out, progress=False)


def test_the_critic_steps_and_its_state_survives_a_resume(tmp_path):
    whole = make(tmp_path / "whole")
    critic_before = {k: v.clone() for k, v in whole.loss.state_dict().items()}
    log = whole.train(resume=False)
    assert {"adversarial", "critic", "total"} <= log[-1].keys()
    assert any(not torch.equal(critic_before[k], v) for k, v in whole.loss.state_dict().items())

    part = make(tmp_path / "part")
    part.train(resume=False, stop_after=2)  # killed after the step-2 checkpoint
    resumed = make(tmp_path / "part")
    resumed.train(resume=True)
    for a, b in ((whole.model, resumed.model), (whole.loss, resumed.loss)):
        assert all(torch.allclose(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_without_the_gan_term_there_is_no_critic():
    assert not hasattr(ContentFrequencyLoss(), "critic_loss")
