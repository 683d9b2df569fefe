"""Fake chatbot servers that speak public chat contracts, for end-to-end tests of the harness."""
