"""What a report shows: HTML blocks for each report, charts, the index page, the explorer."""
