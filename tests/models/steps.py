"""A few Adam steps on one batch: what every model test checks lowers its loss."""

import torch


def losses_after_steps(
    model, loss_fn, batch: dict, steps: int = 8, lr: float = 1e-3, inputs: tuple[str, ...] = ("blur",)
) -> tuple[list[float], dict]:
    """The loss before each of ``steps`` steps on ``batch`` (the model reads ``inputs`` from it),
    and the last step's parts."""
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses, parts = [], {}
    for _ in range(steps):
        loss, parts = loss_fn(model(*[batch[k] for k in inputs]), batch)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    return losses, parts
