"""The web app: pages and the REST API over the same services."""
