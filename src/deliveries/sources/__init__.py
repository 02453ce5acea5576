"""Where new rows come from: a release's text (``ingest``) and SEC EDGAR (``edgar``)."""
