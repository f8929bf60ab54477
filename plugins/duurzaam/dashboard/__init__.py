"""The regional dashboard: static pages (one for the Netherlands, one per labour-market
region, one comparing regions) built from the published layer, served by a small HTTP server
with every script it needs."""
