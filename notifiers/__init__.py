"""Delivery channels, one per module behind the small interface in ``notifiers.base``."""
