"""What the security suite judges with: header rules, the error-body leak detector, probes."""
