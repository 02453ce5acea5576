"""How figures are put into words: numbers (``wording``), sentences, provenance, static prose."""
