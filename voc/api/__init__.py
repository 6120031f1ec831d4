"""The JSON API at /api/v1: personal bearer tokens, the same roles and services as the pages."""
