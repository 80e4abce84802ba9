"""hello -> ohlol: the "RNN unrolling" page's toy task, outside the app.

Read "hello", emit "ohlol", one letter per step, trained with Adam on the one sequence, as
the notes do (an RNNCell loop, nn.RNN, or an embedding and a 2-layer nn.RNN). From the
repository: python examples/hello.py. The page's sidebar exports this file standalone (only
torch needed), its settings the page's; on the same machine it prints the page's losses.
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz from the repository (not exported)
from rnnviz import unrolling  # inlined when exported

# --- settings ---
VARIANT = "cell"  # "cell" (RNNCell loop), "rnn" (nn.RNN) or "embed" (Embedding + 2-layer nn.RNN + Linear)
LR = 0.1  # Adam's; the notes use 0.1 for the RNNCell loop, 0.05 for the other two
EPOCHS = 15  # one epoch = one step on the single sequence
SEED = 2  # the weights depend on the seed only
# --- end of settings ---

# One thread, as the app: small recurrent models run fastest on one, and the sums inside
# each matrix product then add up in the same order, so the numbers match the page's.
torch.set_num_threads(1)

torch.manual_seed(SEED)
model = unrolling.HelloTagger(VARIANT)
x, y = unrolling.encode(unrolling.HELLO_IN), unrolling.encode(unrolling.HELLO_OUT)
opt = torch.optim.Adam(model.parameters(), lr=LR)

for epoch in range(1, EPOCHS + 1):
    model.train()
    opt.zero_grad(set_to_none=True)
    logits = model(x)
    predicted = unrolling.decode(logits.detach())  # as the notes print it: this forward pass, before the update
    loss = unrolling.hello_loss(model, logits, y)
    loss.backward()
    opt.step()
    print(unrolling.printout_line(VARIANT, predicted, epoch, EPOCHS, loss.item()))

print(f"final loss: {loss.item()}")
