"""Summaries of merged results: text, JSON, Markdown and an HTML timeline page."""
