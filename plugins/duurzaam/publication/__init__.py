"""What the reports and the dashboard share about the published figures: their Dutch labels,
the country's code, the addresses of the dashboard's pages, and how a published cohort and
its survival curve are read and named."""
