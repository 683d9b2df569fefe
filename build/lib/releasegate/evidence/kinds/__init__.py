"""One module per evidence kind; each declares its data model and metrics and registers them
(``releasegate.evidence.registry``). The registry imports every module here by itself."""
