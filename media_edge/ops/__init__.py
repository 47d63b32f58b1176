"""The ops side of the edge: a JSON API and a small web page under /ops (see api.py)."""
