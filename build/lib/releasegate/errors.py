"""Errors a user can fix: the CLI prints them as one line and exits 2, never a traceback."""


class UserError(Exception):
    """Bad configuration, bad input or a broken environment, explained in one line."""


class ConfigError(UserError):
    """The configuration file is missing, unreadable or invalid."""


class TargetError(UserError):
    """The target could not be started or never answered."""
