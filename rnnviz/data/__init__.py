"""Data the pages train on, as code: generated series (sine), the gates page's tasks (tasks),
the embedded Reber grammar (grammar) and text corpora (text).

Not to be confused with the top-level data/ folder, which holds files: the corpus manifest
data/corpora.toml, the shipped public-domain corpora and the download cache (data/README.md).
rnnviz.data.text reads them. A new kind of data: a module here; a new corpus: one table in
data/corpora.toml (text's docstring says the rest).
"""
