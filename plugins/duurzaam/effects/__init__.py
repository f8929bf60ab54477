"""Adjusted effects on retention: a Cox model of the in-work spells with every factor at once
(model.py), fitted where the spells are read and stored as estimates only (store.py)."""
