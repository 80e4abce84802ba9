"""The only Streamlit-aware part of rnnviz: page setup, the shared sidebar, live training."""

from rnnviz.ui.live import TrainState, live_training
from rnnviz.ui.page import (
    PAGES,
    choice,
    exports,
    fragment,
    page_setup,
    share_link,
    show,
)

__all__ = ["PAGES", "TrainState", "choice", "exports", "fragment", "live_training", "page_setup", "share_link", "show"]
