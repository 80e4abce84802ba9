"""The saliency core: one batched backward pass equals a loop over windows, and the span reads
the profile as the page says."""

import torch

from rnnviz import saliency


def test_one_batched_pass_equals_each_window_on_its_own():
    torch.manual_seed(0)
    rnn, out = torch.nn.LSTM(3, 8, batch_first=True), torch.nn.Linear(8, 1)
    read = lambda x: out(rnn(x)[0][:, -1]).squeeze(-1)
    x = torch.randn(5, 12, 3)
    batched = saliency.influence(read, x)
    assert batched.shape == (5, 12)
    for b in range(5):
        xb = x[b:b + 1].clone().requires_grad_(True)
        read(xb).sum().backward()
        torch.testing.assert_close(batched[b], xb.grad[0].norm(dim=-1).flip(0))
    assert x.grad is None, "the caller's tensor is left alone"


def test_influence_reaches_only_as_far_as_the_model_reads():
    x = torch.randn(4, 10, 2)
    last_three = saliency.influence(lambda x: x[:, -3:].pow(2).sum((1, 2)), x)
    assert (last_three[:, :3] > 0).all() and (last_three[:, 3:] == 0).all()


def test_span_counts_steps_until_the_profile_fades_for_good():
    assert saliency.span(torch.tensor([1.0, 0.5, 0.2, 0.05, 0.01])) == 2
    assert saliency.span(torch.tensor([1.0, 0.01, 0.5, 0.01])) == 2, "a later bump still counts"
    assert saliency.span(torch.tensor([0.2, 1.0, 0.3, 0.3])) == 3, "never faded: the whole window"
    assert saliency.span(torch.tensor([1.0, 0.0, 0.0])) == 0
