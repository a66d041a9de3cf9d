"""The Django project of printhub's platform: settings, URLs, the API, shared templates."""
