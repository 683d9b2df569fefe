"""The built-in suites: tests of the target, one folder per marker. Installed with the package
as ``releasegate.suites``; a project's own ``suites/`` runs beside them."""
