"""smoke: is the deployment alive and doing its one job?"""
