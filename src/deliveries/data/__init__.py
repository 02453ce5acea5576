"""The tables in ``data/``, read and validated: deliveries, goals, revisions, consensus."""
