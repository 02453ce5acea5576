"""Delivery day: fetch, add and render the new quarter (``update``), and e-mail it (``mailer``)."""
