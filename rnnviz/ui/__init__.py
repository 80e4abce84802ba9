"""The only Streamlit-aware part of rnnviz: page setup, the shared sidebar, live training."""

from rnnviz.ui.live import TrainState, live_training
from rnnviz.ui.page import PAGES, page_setup, show

__all__ = ["PAGES", "TrainState", "live_training", "page_setup", "show"]
