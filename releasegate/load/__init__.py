"""Load: Locust users that play conversations, shapes, load evidence and the web-UI tab.

Only the Locust side of this package imports locust (``users``, ``shapes``, ``collector``,
``webtab``, ``locustfile``): locust monkey-patches the process with gevent, so nothing else may
import it. ``settings``, ``safety``, ``baseline``, ``phase``, ``plan`` and ``session`` stay
locust-free for the config, the runner and the tests.
"""
