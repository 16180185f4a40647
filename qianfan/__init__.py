"""Qianfan (千帆): the application core — configuration, database, use cases, CLI and scheduled jobs.

Layers point one way: webapp → qianfan → ingest, matcher, models.
"""
