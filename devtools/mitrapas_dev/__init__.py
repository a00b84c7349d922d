"""MitraPAS for developers: demo data from the five seed reports, and the whole portal on one machine (`make run`).

Not part of the release: the `mitrapas` wheel does not ship this package, and production needs none of its
dependencies (SeaweedFS's binary, the local SMTP server)."""
