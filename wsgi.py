"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
import gc

from portal import create_app

app = create_app()

# What is made by now (modules, models, templates' environment, catalogs) lives as long as the worker. Frozen,
# it is no longer walked by every full collection: those stopped a worker for 80 to 140 ms under load, now 10 to
# 60 ms (tests/bench/README.md, "The public pages").
gc.collect()
gc.freeze()
