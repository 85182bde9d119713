"""The REST API: read-only registry endpoints for everyone; review and sources for staff."""
