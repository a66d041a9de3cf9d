from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "printhub.site"
    label = "site"
    verbose_name = "printhub"
