"""compliance: multi-turn conversations judged by the policy on every bot turn."""
