"""Figures computed from the validated tables: one quarter's (``metrics``), and series of many."""
