"""The JSON API: one django-ninja router per app, OpenAPI at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="printhub API",
    version="1",
    description="Upload models, get analyses and quotes, place and follow orders.",
    urls_namespace="api",
)
