"""a11y: axe-core, keyboard and screen-reader structure checks on pages and chat states."""
