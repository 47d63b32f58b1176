"""A generated corpus of caller utterances for scoring the understanding layer (issue 16).

generator.py deals the cases (seeded; DEV_SEEDS and HELDOUT_SEEDS), grammars.py says each slot in
its forms, morph.py gives the case forms (pymorphy3), scoring.py tallies accuracy and cost.
"""
