"""Data the pages train on: generated series and (later) text corpora."""
