"""Accessibility audits of page states in a real browser: axe-core's rules, and the keyboard,
focus and screen-reader structure checks axe does not make. The a11y suite, the barrier-corpus
bench and the rate bench all audit through here."""
