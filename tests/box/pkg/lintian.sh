#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lintian on the built packages: every tag is shown (overrides with their reasons); an error
# fails. The warnings left are explained in debian/*.lintian-overrides or README.
# usage: lintian.sh DEB...
set -uo pipefail
out=$(lintian --info --display-info --pedantic --show-overrides --fail-on error "$@" 2>&1)
rc=$?
echo "$out" | grep -v '^running with root privileges'
echo "lintian: exit $rc"
exit $rc
