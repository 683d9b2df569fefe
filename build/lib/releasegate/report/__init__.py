"""Render a decision for people (console, Markdown) and machines (JSON, JUnit)."""
