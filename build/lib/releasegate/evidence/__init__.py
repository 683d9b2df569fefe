"""Evidence: the only thing the gate reads. Producers write it, readers validate it."""
