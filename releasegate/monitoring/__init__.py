"""Monitoring: the ``[monitoring]`` config, PromQL metric references, dashboard and rule files,
and a real Prometheus (launched, or the user's) that turns SLI queries into evidence."""
