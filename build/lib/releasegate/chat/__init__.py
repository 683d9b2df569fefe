"""Talking to a chatbot over HTTP and judging what it says."""
