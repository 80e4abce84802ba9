"""rnnviz home: what the app teaches, a card per lesson, how to read the charts."""

import streamlit as st

from rnnviz.ui import page_setup
from rnnviz.ui.page import existing_pages

page_setup("Recurrent networks, live", ":material/cycle:")

st.title("rnnviz: recurrent networks, trained live, opened up")
st.markdown(
    "Every page trains a real PyTorch model **on your machine, while you watch**, then shows "
    "what is inside it: hidden states, gradients, predictions. Training uses torch's fast "
    "fused modules (`nn.RNN`, `nn.LSTM`, `nn.GRU`); to look inside, the same weights run "
    "through cells that write out every equation, and each page shows that both give the "
    "same numbers."
)

st.subheader("Lessons")
pages = existing_pages()
for row in range(0, len(pages), 2):
    for col, (file, name, icon, blurb) in zip(st.columns(2), pages[row:row + 2]):
        with col.container(border=True):
            st.markdown(f"#### {name}")
            st.markdown(blurb)
            st.page_link(file, label=f"Open {name}", icon=icon)

st.subheader("How to read the charts")
st.markdown(
    "- **Heatmaps** (time × unit): red is positive, blue negative, white near zero. "
    "Hover a cell for its exact value.\n"
    "- **Loss curves** fall as the model learns. A curve that jumps up or stops with a "
    "message means the learning rate is too large.\n"
    "- **Log scales** are marked on the axis: each grid line is ten times the one below, "
    "which is how vanishing and exploding gradients become visible.\n"
    "- **Train / Retrain / Stop**: a page trains its default model once when you open it; "
    "change a setting and it trains again. Stop keeps the partly trained model."
)
st.caption("Start with *RNN unrolling*: later lessons build on its notation.")
