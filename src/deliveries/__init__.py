"""Tesla quarterly production and deliveries: data, metrics and reports."""
