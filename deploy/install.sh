#!/bin/sh
# Install or upgrade MitraPAS from its wheel: the Production section's steps as one script, the one an
# operator runs and the deployed-stack tier follows literally (tests/deployed/test_install.py).
#
#   deploy/install.sh <wheel> <prefix>     with the variables of /etc/mitrapas/mitrapas.env exported
#
# It makes <prefix>/venv (once), installs the wheel, migrates the database as its owner
# (MIGRATION_DATABASE_URL) and makes sure the bucket exists. Then the units of deploy/systemd start
# `mitrapas serve` and the worker, and `mitrapas doctor` checks the whole deployment.
set -eu
wheel=$1
prefix=$2

[ -x "$prefix/venv/bin/python" ] || python3 -m venv "$prefix/venv"
"$prefix/venv/bin/pip" install --quiet --upgrade "$wheel"
"$prefix/venv/bin/mitrapas" db upgrade
"$prefix/venv/bin/mitrapas" portal ensure-bucket
"$prefix/venv/bin/mitrapas" --version
