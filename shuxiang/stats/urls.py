"""Pages of the operations platform."""

from django.urls import path

urlpatterns: list = []
