"""rnnviz home: what the app teaches, a card per lesson, how to read the charts.

`streamlit run streamlit_app.py` imports this file once to find `app` (Streamlit's ASGI mode,
st.App): when the server starts, its lifespan trains every page's default run in the background
(rnnviz.ui.warm), so the first visitor does not wait for training. Each visit runs the file as the
home page's script (__main__).
"""

from contextlib import asynccontextmanager

import streamlit as st

from rnnviz.i18n import tr
from rnnviz.ui import checkpoint as checkpoint_ui
from rnnviz.ui import page_setup, share_link
from rnnviz.ui.page import existing_pages, lesson_keys


@asynccontextmanager
async def warm_default_runs(_app):
    from rnnviz.ui import warm

    warm.start()
    yield


if __name__ != "__main__":  # the server imports this file to serve it
    app = st.App(__file__, lifespan=warm_default_runs)
else:  # a visit: the home page
    LINK_NOTE = page_setup("home.page_title", ":material/cycle:")

    st.title(tr("home.title"))
    st.markdown(tr("home.intro"))

    st.subheader(tr("home.lessons"))
    pages = list(zip(existing_pages(), lesson_keys()))
    for row in range(0, len(pages), 2):
        for col, ((file, name, icon, blurb), lesson) in zip(st.columns(2), pages[row:row + 2]):
            with col.container(border=True):
                st.markdown(f"#### {name}")
                st.markdown(blurb)
                checkpoint_ui.progress_line(lesson)
                st.page_link(file, label=tr("home.open", name=name), icon=icon)

    st.subheader(tr("home.how_to_read"))
    st.markdown(tr("home.how_to_read_body"))
    st.caption(tr("home.start_here"))
    share_link("home.page_title", LINK_NOTE)
