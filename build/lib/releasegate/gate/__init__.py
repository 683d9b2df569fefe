"""The gate: evidence in, a PROMOTE/BLOCK decision with every check explained out."""
